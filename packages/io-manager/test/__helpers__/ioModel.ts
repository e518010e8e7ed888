import { ntError, ntSuccess, type NtStatus } from '@irpsim/core';
import { FILE_SKIP, METHOD, OVERLAPPED, ntStatusToWin32 } from '../../src/index.ts';
import { PATTERN, type StackShape } from './modelStack.ts';

/*
 * The model of the model-based test (modelBased.test.ts): the handles and requests a user
 * program has, what each request finished with, and what the arena of user memory — one
 * slot per request, guard bytes between its buffers — and every event must hold.
 */

export type Op =
  | { readonly kind: 'ioctl'; readonly method: number; readonly inLength: number; readonly outLength: number }
  | { readonly kind: 'read'; readonly length: number }
  | { readonly kind: 'write'; readonly length: number };

export interface HandleModel {
  readonly overlapped: boolean;
  /** Associated with the completion port, key PORT_KEY + its number (IO-7.9). */
  readonly port: boolean;
  /** SetFileCompletionNotificationModes: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS (1), FILE_SKIP_SET_EVENT_ON_HANDLE (2) (IO-7.8, IO-7.9, IO-7.16). */
  readonly modes: number;
  open: boolean;
  /**
   * The file object's own event (an overlapped handle's): reset by each request, set by one
   * without hEvent (IO-7.3, IO-7.8). Null until the first request: whether the CREATE left
   * it signalled is not what this test is about.
   */
  signalled: boolean | null;
}

export interface RequestModel {
  readonly id: number;
  readonly handle: number;
  /** The user thread that issued it (0: the app thread, 1: the second one); a worker's request counts as its creator's once the worker is gone. */
  readonly thread: number;
  readonly op: Op;
  readonly status: NtStatus;
  readonly information: number;
  /** Overlapped with its own event (else GetOverlappedResult waits on the file handle). */
  readonly event: boolean;
  /** ReadFileEx / WriteFileEx: completion by a user APC to the app thread (IO-7.12). */
  readonly apc: boolean;
  /** held: pending in the driver; done: finished, not yet looked at; retired: looked at (or never outstanding). */
  state: 'held' | 'done' | 'retired';
  /** The status and Information the request finished with. */
  final: { status: NtStatus; information: number } | null;
}

// ── user memory: one slot of SLOT bytes per request, guard bytes between the buffers ──
export const SLOT = 0x80;
export const IN = 0x08;
export const OUT = 0x20;
export const COUNT = 0x38;
export const OV = 0x48;
export const SLOTS = 40;
export const ARENA = SLOTS * SLOT;
export const BEFORE = 0xaa;
export const COUNT_PRESET = 0xdeadf00d;
export const PORT_KEY = 0x100;

/** A completion packet the model expects on the port. */
export interface Packet {
  readonly key: number;
  /** The OVERLAPPED's arena offset. */
  readonly ov: number;
  readonly status: NtStatus;
  readonly information: number;
  /** The command that finished the request (`Model.batch`). */
  readonly batch: number;
  /** The thread that issued the request (RequestModel.thread). */
  readonly thread: number;
}

export class Model {
  /** `windows: legacy` returns a synchronous warning on an overlapped handle as it is (IO-7.6 *Legacy*). */
  readonly windows: 'current' | 'legacy';
  readonly handles: HandleModel[] = [];
  readonly requests: RequestModel[] = [];
  /** What the arena must hold. */
  readonly image = new Uint8Array(ARENA).fill(BEFORE);
  /** Bytes whose content Windows does not establish (GetOverlappedResult's count while incomplete). */
  readonly loose = new Set<number>();
  /** Whether each request's event is signalled, by request id. */
  readonly signalled = new Map<number, boolean>();
  /**
   * The completion port's packets, oldest first: the key, the OVERLAPPED's arena offset,
   * Status and Information, and which command (`batch`) finished the request of which thread.
   */
  readonly packets: Packet[] = [];
  /** The command being run (`perform` counts them): the packets it queues are one batch. */
  batch = 0;
  /** The app thread's queued completion APCs, oldest first, as the completion routine will be called: error, bytes, OVERLAPPED offset. */
  readonly apcs: { error: number; bytes: number; ov: number }[] = [];

  readonly shape: StackShape;
  constructor(shape: StackShape, windows: 'current' | 'legacy') {
    this.shape = shape;
    this.windows = windows;
  }

  put(offset: number, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) {
      this.image[offset + i] = bytes[i]!;
      this.loose.delete(offset + i);
    }
  }

  putU32(offset: number, value: number): void {
    this.put(offset, [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24]);
  }

  fill(offset: number, length: number, byte: number): void {
    this.put(offset, new Array<number>(length).fill(byte));
  }

  /** Whether Information bytes come back through a system buffer (METHOD_BUFFERED, a read on a DO_BUFFERED_IO device: IO-3.2, IO-4.2). */
  copiesBack(op: Op): boolean {
    return op.kind === 'ioctl' ? op.method === METHOD.BUFFERED : op.kind === 'read' && this.shape.buffering === 'buffered';
  }

  /** Bytes the driver writes straight into the caller's pages in its dispatch routine (MDL or raw pointer: IO-3.5, IO-3.6, IO-4.3). */
  directBytes(op: Op): number {
    if (op.kind === 'ioctl') return op.method === METHOD.OUT_DIRECT || op.method === METHOD.NEITHER ? op.outLength : 0;
    return op.kind === 'read' && this.shape.buffering !== 'buffered' ? op.length : 0;
  }

  /** The request finished with {status, information}: copy-back, and the OVERLAPPED and event when the caller is notified (§11). */
  finish(r: RequestModel, status: NtStatus, information: number, pended: boolean): void {
    r.final = { status, information };
    const slot = r.id * SLOT;
    if (!ntError(status) && this.copiesBack(r.op)) this.fill(slot + OUT, information, PATTERN);
    const notified = pended || !ntError(status);
    if (this.handles[r.handle]!.overlapped && notified) {
      this.putU32(slot + OV + OVERLAPPED.Internal, status);
      this.putU32(slot + OV + OVERLAPPED.InternalHigh, information);
      const handle = this.handles[r.handle]!;
      if (r.event) this.signalled.set(r.id, true);
      else if (!((handle.modes & FILE_SKIP.SET_EVENT_ON_HANDLE) !== 0 && ntSuccess(status))) handle.signalled = true;
      // IO-7.9: a packet whenever the caller is notified on a port-bound handle, except a request that did not pend
      // and succeeded under skip-on-success (legacy Windows 7: did not fail).
      const succeeded = this.windows === 'legacy' ? !ntError(status) : ntSuccess(status);
      const skipped = (handle.modes & FILE_SKIP.COMPLETION_PORT_ON_SUCCESS) !== 0 && !pended && succeeded;
      if (handle.port && !skipped && !r.apc) this.packets.push({ key: PORT_KEY + r.handle, ov: slot + OV, status, information, batch: this.batch, thread: r.thread });
      // IO-7.12: the APC is queued whenever the caller is notified.
      if (r.apc) this.apcs.push({ error: ntStatusToWin32(status), bytes: information, ov: slot + OV });
    }
    r.state = this.handles[r.handle]!.overlapped && notified ? 'done' : 'retired';
  }

  /** GetOverlappedResult on a finished request (IO-7.11): the count is InternalHigh, TRUE iff NT_SUCCESS. */
  observe(r: RequestModel): { ok: boolean; error: number } {
    const { status, information } = r.final!;
    this.putU32(r.id * SLOT + COUNT, information);
    if (r.event) this.signalled.set(r.id, false); // the test resets it: a second signal would show
    r.state = 'retired';
    return { ok: ntSuccess(status), error: ntSuccess(status) ? 0 : ntStatusToWin32(status) };
  }

  /**
   * The packet the next dequeue takes, given what it saw. Packets that one command queued for
   * requests of different threads may come out in either order: each one's final processing
   * runs as a kernel APC in its requesting thread (IO-5.19), now for the running thread and
   * when the scheduler runs the other one for the other (a CLEANUP that cancels both, say).
   * Anything else must come out in order: the head is returned and the comparison fails.
   */
  takePacket(seen: (packet: Packet) => boolean): Packet | undefined {
    const head = this.packets[0];
    if (head === undefined || seen(head)) return this.packets.shift();
    for (let i = 1; i < this.packets.length && this.packets[i]!.batch === head.batch; i++) {
      const packet = this.packets[i]!;
      if (packet.thread !== head.thread && seen(packet)) return this.packets.splice(i, 1)[0];
    }
    return this.packets.shift();
  }

  openHandles(): number[] {
    return this.handles.flatMap((h, i) => (h.open ? [i] : []));
  }

  held(handle: number): RequestModel[] {
    return this.requests.filter((r) => r.state === 'held' && r.handle === handle);
  }
}

/** The arena slot by slot, so a failure names the request and the field. */
export function describeArena(bytes: number[]): string[] {
  const hex = (from: number, to: number) => bytes.slice(from, to).map((b) => b.toString(16).padStart(2, '0')).join('');
  const out: string[] = [];
  for (let s = 0; s < SLOTS; s++) {
    const o = s * SLOT;
    out.push(`#${s} guard ${hex(o, o + IN)} in ${hex(o + IN, o + OUT)} out ${hex(o + OUT, o + COUNT)} count ${hex(o + COUNT, o + OV)} ov ${hex(o + OV, o + SLOT)}`);
  }
  return out;
}
