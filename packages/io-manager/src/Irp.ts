import type { KEvent, Thread } from '@irpsim/core';
import type { FileObject } from './FileObject.ts';
import type { CancelRoutine } from './cancelIrp.ts';
import type { DriverObject } from './DriverObject.ts';
import { IoStackLocation } from './IoStackLocation.ts';
import type { Mdl } from './Mdl.ts';
import type { IrpRef } from './refs.ts';

/** Where an IRP is in its life. */
export type IrpState =
  /** Built, not yet sent. */
  | 'allocated'
  /** Sent down with IoCallDriver; some driver owns it. */
  | 'active'
  /** A completion routine returned STATUS_MORE_PROCESSING_REQUIRED: its driver owns it again. */
  | 'held'
  /** The completion walk is done; final processing by the I/O manager is pending. */
  | 'completed'
  /** Final processing done; the IRP is gone. */
  | 'freed';

/** Who asked for the IRP and where its results go. */
export interface IrpOrigin {
  /** The system service that built it, or the DDI for a driver-built IRP. */
  readonly service: string;
  /** Address of the caller's IO_STATUS_BLOCK (or OVERLAPPED) in its address space, or 0. */
  readonly userIosb: number;
  /** Irp->UserEvent: the event to signal at completion, or null. */
  readonly event: KEvent | null;
  /** The ApcContext the caller passed (an OVERLAPPED address for Win32 callers). */
  readonly apcContext: number;
  /** The caller's ApcRoutine (a UserCode address), queued as a user APC at completion (IO-7.12); absent or 0 = none. */
  readonly apcRoutine?: number;
  /** The IRP holds a reference on its file object, dropped at final processing. */
  readonly holdsFileReference: boolean;
}

/**
 * `count` fresh stack locations, in an array of exactly that size (`push` would reserve room
 * for 17: docs/performance.md, W8). Up to three, an array literal, which is also packed:
 * `new Array(count)` costs a builtin call and gives a holey array whose every read checks
 * for holes (about 110 instructions per W1 IRP). Three — the usual stack — are made in the
 * literal itself (55 instructions per W1 IRP less than filling it in a loop, which needs a
 * bounds check and a write-barrier check per slot); fewer or more are filled in a loop, so
 * that this stays small enough to inline into the IRP's allocation.
 */
function newLocations(count: number): IoStackLocation[] {
  if (count === 3) return [new IoStackLocation(), new IoStackLocation(), new IoStackLocation()];
  const first = new IoStackLocation();
  const stack = count === 2 ? [first, first] : count === 1 ? [first] : new Array<IoStackLocation>(count).fill(first);
  for (let i = 1; i < count; i++) stack[i] = new IoStackLocation();
  return stack;
}

/**
 * An I/O request packet. Stack locations are numbered 1..stackCount as in Windows;
 * `currentLocation` starts at stackCount + 1 and IoCallDriver decrements it.
 */
export class Irp {
  readonly id: number;
  readonly stackCount: number;
  currentLocation: number;
  readonly stack: IoStackLocation[];
  state: IrpState = 'allocated';
  status = 0;
  information = 0;
  /** AssociatedIrp.SystemBuffer: a pool address, or 0. */
  systemBuffer = 0;
  /** Size of the system buffer the I/O manager allocated (0 if none). */
  systemBufferLength = 0;
  mdl: Mdl | null = null;
  /** Irp->UserBuffer: the caller's output pointer (BUFFERED, NEITHER). */
  userBuffer = 0;
  requestorMode: 'user' | 'kernel' = 'kernel';
  flags = 0;
  /** Irp->AllocationFlags (IRP_ALLOCATED_FIXED_SIZE …, driverIrps.ts). */
  allocationFlags = 0;
  /** The PriorityBoost of the IoCompleteRequest that finished the walk, given to the waiter (IO-5.18). */
  priorityBoost = 0;
  /**
   * The driver whose IoCallDriver last returned STATUS_PENDING for this IRP, until its
   * completion routine gets it back (IO-5.15: it must not touch the IRP meanwhile). Not a
   * Windows field.
   */
  forwardedBy: DriverObject | null = null;
  pendingReturned = false;
  cancel = false;
  /** Irp->CancelRoutine (IO-6.1, IO-6.3): set by IoSetCancelRoutine, taken by IoCancelIrp. */
  cancelRoutine: CancelRoutine | null = null;
  // ── cancellation ──
  /** Irp->CancelIrql: the IRQL IoCancelIrp saved when it took the cancel spin lock. */
  cancelIrql = 0;
  /** The driver that set the cancel routine: its kernel API is what the routine receives. Not a Windows field. */
  cancelOwner: DriverObject | null = null;
  /** Taken off its exiting thread after the cancel timeout: freed without notification when it completes (IO-6.5). Not a Windows field. */
  disassociated = false;
  /** Tail.Overlay.Thread: the requesting thread (null for a driver-allocated IRP). */
  thread: Thread | null = null;
  /** Tail.Overlay.OriginalFileObject. */
  fileObject: FileObject | null = null;
  origin: IrpOrigin | null = null;
  /**
   * The output length the request was built with (IOCTL OutputBufferLength, or a read's
   * Length), kept past completion for the verifier's copy-back check (0xC9/0x312); -1 when
   * none was recorded. Not a Windows field.
   */
  outputLength = -1;
  /** Tail.Overlay.DriverContext[4], made on first use (IoCsq keeps its context in a slot). */
  driverContext: unknown[] | null = null;
  /**
   * The references drivers were handed for this IRP, one per driver (`IoManager.irpRef`):
   * the newest, linked through `IrpRef._nextRef`. Not a Windows field.
   */
  refs: IrpRef | null = null;
  /** The reference `IoManager.irpRef` handed out last (where it looks first). Not a Windows field. */
  lastRef: IrpRef | null = null;
  private notes_: Record<string, unknown> | null = null;

  constructor(id: number, stackCount: number) {
    this.id = id;
    this.stackCount = stackCount;
    this.currentLocation = stackCount + 1;
    this.stack = newLocations(stackCount);
  }

  /**
   * A kernel address naming the IRP in reports and bug-check parameters: 0x86000000 + id × 0x100,
   * in a region of its own (IRPs have no bytes in memory). Computed, not kept: above 2^31 it
   * would be a boxed number of its own per IRP (24 bytes, docs/performance.md, W8).
   */
  get address(): number {
    return 0x86000000 + this.id * 0x100;
  }

  /** Lets a test, a report or a verifier check attach facts; made on first use. Not a Windows field. */
  get notes(): Record<string, unknown> {
    return (this.notes_ ??= {});
  }

  /** The location IoCallDriver gave the current driver (IoGetCurrentIrpStackLocation). */
  current(): IoStackLocation | null {
    return this.stack[this.currentLocation - 1] ?? null;
  }

  /** The location the next-lower driver will receive (IoGetNextIrpStackLocation). */
  next(): IoStackLocation | null {
    return this.stack[this.currentLocation - 2] ?? null;
  }

  /** Location number `n` (1-based). */
  location(n: number): IoStackLocation | null {
    return this.stack[n - 1] ?? null;
  }
}
