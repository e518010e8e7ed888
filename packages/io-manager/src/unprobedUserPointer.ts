import { hex, isKernelAddress, type Memory } from '@irpsim/core';
import { IRP_MJ, METHOD } from './constants.ts';
import { activeFrame } from './dispatchChecks.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { threadIrps } from './irpThreadList.ts';
import { previewBytes } from './previewBytes.ts';

/** One raw caller pointer of a neither request and the length the caller gave with it. */
interface RawPointer {
  readonly what: string;
  readonly pointer: number;
  readonly length: number;
}

/** The ranges a driver probed while dispatching an IRP, as [start, end) pairs (kept in `irp.notes`). */
type Probed = number[];

/**
 * The raw caller pointers of a user-mode METHOD_NEITHER IOCTL at its current stack
 * location: Type3InputBuffer and UserBuffer, with the lengths the caller gave. Null for
 * anything else — reads and writes are not concerned: NtReadFile / NtWriteFile probe the
 * caller's buffer for every I/O method before building the IRP (IO-4.6), and the other
 * IOCTL methods hand the driver a system buffer or an MDL (IO-3.3 – IO-3.5).
 */
function rawPointers(irp: Irp): RawPointer[] | null {
  if (irp.requestorMode !== 'user' || irp.state !== 'active') return null;
  const sl = irp.stack[irp.currentLocation - 1];
  if (sl === undefined || sl.majorFunction !== IRP_MJ.DEVICE_CONTROL || (sl.arg3 & 3) !== METHOD.NEITHER) return null;
  return [
    { what: 'Parameters.DeviceIoControl.Type3InputBuffer', pointer: sl.arg4, length: sl.arg2 },
    { what: 'Irp->UserBuffer', pointer: irp.userBuffer, length: sl.arg1 },
  ];
}

const NONE: readonly Irp[] = [];

/**
 * The IRPs queued to the current thread (a live view, read without yielding): a user-mode
 * request's dispatch routine runs in its requester's thread (IO-10.1), so the request an
 * access is made for is among them. Usually one; each is then matched by `dispatching`.
 */
function candidates(io: IoManager): readonly Irp[] {
  const thread = io.machine.currentThreadOrNull();
  return thread === null ? NONE : threadIrps(thread);
}

/** The pointers of `irp` if it is a user-mode METHOD_NEITHER request whose dispatch routine is running in this task right now. */
function dispatching(io: IoManager, irp: Irp): RawPointer[] | null {
  const raw = rawPointers(irp);
  return raw !== null && activeFrame(io, irp) !== null ? raw : null;
}

/**
 * ProbeForRead / ProbeForWrite succeeded on [address, address + length): remembered for
 * the METHOD_NEITHER requests being dispatched in this task, so their pointers count as probed.
 */
export function noteProbe(io: IoManager, address: number, length: number): void {
  if (!io.verifier.on || length === 0) return;
  for (const irp of candidates(io)) {
    if (dispatching(io, irp) === null) continue;
    const probed = (irp.notes['probed'] ??= []) as Probed;
    probed.push(address >>> 0, (address >>> 0) + length);
  }
}

/** The first 16 bytes at `address`, or null when the kernel cannot read them. */
function before(memory: Memory, io: IoManager, address: number, length: number): string | null {
  try {
    return previewBytes(memory.read(io.machine.currentProcess().space, address, Math.min(length, 16), 'kernel'), 16);
  } catch {
    return null;
  }
}

/**
 * IO-3.8 [POLICY]: a METHOD_NEITHER request's pointers are the caller's raw addresses,
 * checked by nobody; the driver must probe them (ProbeForRead / ProbeForWrite) before touching them,
 * or a caller that passes a kernel address has the kernel read or write there for it —
 * the classic privilege escalation. A kernel-mode access, while a user-mode METHOD_NEITHER
 * request is being dispatched in this task, to a part of one of its caller-supplied
 * ranges that no probe covered is recorded, once per pointer and IRP, as violation
 * `unprobed-user-pointer` (standard and enhanced). Called before the access, so an access
 * that then faults is reported too. `written` is null for a read.
 */
export function checkUnprobedAccess(io: IoManager, driver: DriverObject, address: number, length: number, written: Uint8Array | null): void {
  if (!io.verifier.on || length === 0) return;
  const start = address >>> 0;
  const end = start + length;
  for (const irp of candidates(io)) {
    const pointers = dispatching(io, irp);
    if (pointers === null) continue;
    const probed = (irp.notes['probed'] ?? []) as Probed;
    for (const raw of pointers) {
      const from = Math.max(start, raw.pointer >>> 0);
      const to = Math.min(end, (raw.pointer >>> 0) + Math.max(raw.length, 1));
      if (from >= to || covered(probed, from, to)) continue;
      const key = `unprobed ${raw.what}`;
      if (irp.notes[key] === true) continue;
      irp.notes[key] = true;
      io.machine.engine.violation('unprobed-user-pointer', 'caller-supplied pointer used without a probe', describe(io, driver, irp, raw, start, length, written));
    }
  }
}

/** Whether one probed range holds all of [from, to). */
function covered(probed: Probed, from: number, to: number): boolean {
  for (let i = 0; i < probed.length; i += 2) if (probed[i]! <= from && to <= probed[i + 1]!) return true;
  return false;
}

function describe(io: IoManager, driver: DriverObject, irp: Irp, raw: RawPointer, address: number, length: number, written: Uint8Array | null): string {
  const at = address === raw.pointer >>> 0 ? `${raw.what} = ${hex(raw.pointer)}` : `${hex(address)} (${raw.what} = ${hex(raw.pointer)} + ${address - (raw.pointer >>> 0)})`;
  const verb = written === null ? 'read' : 'write';
  const where = isKernelAddress(address)
    ? `a kernel address: the caller had the kernel ${verb} kernel memory for it`
    : 'a user address this time, but nothing stops a caller from passing a kernel one';
  const request = `${io.describeIrp(irp)}, a METHOD_NEITHER request from user mode`;
  if (written === null) return `${driver.name} read ${length} bytes at ${at} of ${request}, never probed with ProbeForRead: ${where} (IO-3.8)`;
  const old = before(io.machine.memory, io, address, length);
  const was = old === null ? '' : ` over ${old}`;
  return `${driver.name} wrote ${length} bytes ${previewBytes(written, 16)}${was} at ${at} of ${request}, never probed with ProbeForWrite: ${where} (IO-3.8)`;
}
