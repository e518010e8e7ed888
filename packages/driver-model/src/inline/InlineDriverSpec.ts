import type { NtStatus } from '@irpsim/core';

/**
 * A driver declared as data (a scenario's inline `drivers:` entry, resolved: names are
 * numbers, texts are bytes). `inlineDriver` turns it into a DriverDefinition whose
 * DriverEntry and dispatch routines use the same Kernel API as the catalogue drivers.
 */
export interface InlineDriverSpec {
  /** Catalogue-style name (lower case, dashes): `notify`. */
  readonly name: string;
  readonly description?: string;
  /** `\Driver\<serviceName>`; default: the name in PascalCase (`my-echo` → `MyEcho`). */
  readonly serviceName?: string;
  /** `\Device\Notify`, or null for an unnamed device (a filter's usual choice). */
  readonly device: string | null;
  /** `\DosDevices\Notify`: IoCreateSymbolicLink to the device (needs a device name). */
  readonly link: string | null;
  /** DO_BUFFERED_IO / DO_DIRECT_IO bits for DeviceObject->Flags (neither: 0). */
  readonly flags: number;
  /** IoCreateDevice's Exclusive: one open file object at a time. */
  readonly exclusive: boolean;
  /** A filter: IoAttachDevice above the stack of the device with this name (`\Device\Slow`). */
  readonly attach: string | null;
  /** Named values (IOCTL codes) a scenario may use with the driver. */
  readonly values: Readonly<Record<string, number>>;
  /** Named events the driver creates in \BaseNamedObjects (IoCreateNotificationEvent / IoCreateSynchronizationEvent). */
  readonly events: Readonly<Record<string, 'notification' | 'synchronization'>>;
  readonly dispatch: InlineDispatch;
}

/**
 * Which action list handles a request. A DEVICE_CONTROL request takes its code's list,
 * else the IRP_MJ_DEVICE_CONTROL list, else `otherwise`; READ and WRITE their own list,
 * else `otherwise`. CREATE, CLEANUP and CLOSE take their own list only. With no list: a
 * filter passes the request down; CREATE, CLEANUP and CLOSE succeed (a device that cannot
 * be opened is never the point); anything else is STATUS_INVALID_DEVICE_REQUEST.
 */
export interface InlineDispatch {
  /** By IRP_MJ_* code. */
  readonly majors: ReadonlyMap<number, readonly InlineAction[]>;
  /** By IOCTL code: cases of IRP_MJ_DEVICE_CONTROL. */
  readonly ioctls: ReadonlyMap<number, readonly InlineAction[]>;
  /** `default:`, or null. */
  readonly otherwise: readonly InlineAction[] | null;
}

/** A length of the current request: an IOCTL's input / output length, or a read's / write's Length. */
export type LengthName = 'inputLength' | 'outputLength' | 'length';
/** A number, or one of the request's lengths. */
export type Amount = number | LengthName;

/** What `${…}` in a `log` text may name. */
export const LOG_FIELDS = ['inputLength', 'outputLength', 'length', 'ioControlCode', 'input', 'irp', 'status', 'information'] as const;

export interface RequireAction {
  readonly action: 'require';
  readonly field: LengthName;
  readonly atLeast: Amount | null;
  readonly atMost: Amount | null;
  /** The status the request fails with when the check fails (`else:`). */
  readonly otherwise: NtStatus;
}
/** `echo` is `copy: { from: input, to: output }`. */
export interface CopyAction {
  readonly action: 'copy';
  readonly from: 'input' | 'store';
  readonly to: 'output' | 'store';
}
export interface WriteAction {
  readonly action: 'write';
  readonly bytes: Uint8Array;
  readonly offset: number;
}
export interface InformationAction {
  readonly action: 'information';
  readonly value: Amount;
}
export interface CompleteAction {
  readonly action: 'complete';
  readonly status: NtStatus;
}
export interface ReturnAction {
  readonly action: 'return';
  readonly status: NtStatus;
}
export interface PendAction {
  readonly action: 'pend';
  readonly queue: string;
}
export interface ForwardAction {
  readonly action: 'forward';
  /** null: IoSkipCurrentIrpStackLocation, no completion routine. */
  readonly completion: CompletionSpec | null;
}
export interface CompletionSpec {
  readonly onSuccess: boolean;
  readonly onError: boolean;
  readonly onCancel: boolean;
  /** `if (Irp->PendingReturned) IoMarkIrpPending(Irp)` (IO-5.13); false only for a buggy twin. */
  readonly propagatePending: boolean;
  readonly then: readonly DeferredAction[];
}
export interface ReferenceEventAction {
  readonly action: 'reference-event';
  readonly event: string;
}
export interface CompleteQueuedAction {
  readonly action: 'complete-queued';
  readonly queue: string;
  readonly status: NtStatus;
  /** Bytes written into each completed IRP's output buffer (as much as fits), or null. */
  readonly bytes: Uint8Array | null;
  /** Information; null: the number of bytes written. */
  readonly information: number | null;
  /** Every queued IRP (oldest first), not only the oldest. */
  readonly all: boolean;
  /** Only IRPs of the current request's file object (CLEANUP). */
  readonly sameFile: boolean;
}
export interface TimerAction {
  readonly action: 'timer';
  /** Simulated nanoseconds (rounded up to KeSetTimer's 100-ns units). */
  readonly afterNs: number;
  readonly then: readonly DeferredAction[];
}
export interface DpcAction {
  readonly action: 'dpc';
  readonly then: readonly DeferredAction[];
}
export interface SignalAction {
  readonly action: 'signal';
  readonly event: string;
}
export interface LogAction {
  readonly action: 'log';
  readonly text: string;
}

/** Actions that need no request of their own: they may run in a timer's or DPC's routine, or a completion routine. */
export type DeferredAction = CompleteQueuedAction | TimerAction | DpcAction | SignalAction | LogAction;

export type InlineAction = DeferredAction | RequireAction | CopyAction | WriteAction | InformationAction | CompleteAction | ReturnAction | PendAction | ForwardAction | ReferenceEventAction;

/** Verbs allowed where there is no request (timer, DPC) or where it belongs to the driver below (completion routine). */
export const DEFERRED_VERBS: readonly string[] = ['complete-queued', 'timer', 'dpc', 'signal', 'log'];
