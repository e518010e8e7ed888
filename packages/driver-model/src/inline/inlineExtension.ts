import type { KDpc, KEvent, KTimer } from '@irpsim/core';
import type { DeviceRef, IoCsq } from '@irpsim/io-manager';
import type { DpcAction, TimerAction } from './InlineDriverSpec.ts';

/**
 * The device extension of an inline driver's device: what its actions share. `lower`
 * makes it a FilterExtension too (the device a filter forwards to).
 */
export interface InlineExtension {
  readonly lower: DeviceRef | null;
  /** The cancel-safe queues, by the name `pend` gives them. */
  readonly queues: ReadonlyMap<string, IoCsq>;
  /** Named events (created at DriverEntry) and events passed by handle (`reference-event`). */
  readonly events: Map<string, KEvent>;
  /** One KTIMER and KDPC per `timer` action, one KDPC per `dpc` action, made at DriverEntry. */
  readonly timers: ReadonlyMap<TimerAction, { readonly timer: KTimer; readonly dpc: KDpc }>;
  readonly dpcs: ReadonlyMap<DpcAction, KDpc>;
  /** DeviceObject->Flags once DriverEntry set them: where a queued read's buffer is. */
  readonly flags: number;
  /** The device's bytes (`copy` to and from `store`). */
  store: Uint8Array;
}
