import { isKernelAddress, type Machine, type Process, type TraceEvent } from '@irpsim/core';
import type { IoManager } from '../IoManager.ts';
import type { Mdl } from '../Mdl.ts';

/**
 * Part E 15 (verifier-and-objects.md A.4, C9): a driver's MDL that still locks pages of a
 * process (MmProbeAndLockPages without MmUnlockPages) or still maps pages into its user
 * space (MmMapLockedPagesSpecifyCache(UserMode) without MmUnmapLockedPages) when the
 * process exits. Windows checks it once the rundown has closed every handle (a driver may
 * still unlock in IRP_MJ_CLEANUP / CLOSE): bug check 0x76 PROCESS_HAS_LOCKED_PAGES
 * [0, process, locked pages, 0] without tracking; with Driver Verifier (Pool Tracking)
 * 0xCB DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS [tracking structure, 0, MDL, locked pages]
 * naming the driver — irpsim has no addresses for the tracking structure and MDL: 0.
 * A user mapping alone is checked under the verifier only (docs/semantics.md: a choice).
 * The I/O manager's own direct-I/O MDLs are not tracked: they are unlocked when their IRP
 * completes, and the rundown waits for the IRP first (IO-6.x).
 */

/** Each driver MDL that locks or maps pages of a user process, with the driver that did it. */
interface Held {
  driver: string;
  /** The process whose pages MmProbeAndLockPages locked, null once unlocked. */
  locked: Process | null;
  /** User mappings still made (MmMapLockedPagesSpecifyCache UserMode), by process. */
  mapped: { address: number; process: Process }[];
}

const held = new WeakMap<Machine, Map<Mdl, Held>>();

function entry(io: IoManager, mdl: Mdl, driver: string): Held {
  let table = held.get(io.machine);
  if (table === undefined) {
    // Installed lazily, at the first user page locked: runs without one pay nothing for the trace hook.
    table = new Map();
    held.set(io.machine, table);
    const machine = io.machine;
    const mdls = table;
    machine.engine.addMonitor({ name: 'locked-pages-at-exit', onEvent: (event) => atExit(io, mdls, event) });
  }
  let h = table.get(mdl);
  if (h === undefined) table.set(mdl, (h = { driver, locked: null, mapped: [] }));
  return h;
}

/** MmProbeAndLockPages locked `mdl`'s pages in `process` (a user process: System's never exits). */
export function noteLockedPages(io: IoManager, mdl: Mdl, process: Process, driver: string): void {
  // Only user pages are charged to the process (a kernel buffer locked in its context is not).
  if (process.isSystem || isKernelAddress(mdl.address)) return;
  entry(io, mdl, driver).locked = process;
}

/** MmUnlockPages released them. */
export function forgetLockedPages(io: IoManager, mdl: Mdl): void {
  const h = held.get(io.machine)?.get(mdl);
  if (h !== undefined) h.locked = null;
}

/** MmMapLockedPagesSpecifyCache(UserMode) mapped `mdl` at `address` in `process`. */
export function noteMappedPages(io: IoManager, mdl: Mdl, address: number, process: Process, driver: string): void {
  entry(io, mdl, driver).mapped.push({ address, process });
}

/** MmUnmapLockedPages removed the mapping at `address` of `process`. */
export function forgetMappedPages(io: IoManager, mdl: Mdl, address: number, process: Process): void {
  const h = held.get(io.machine)?.get(mdl);
  if (h === undefined) return;
  const at = h.mapped.findIndex((m) => m.address === address && m.process === process);
  if (at >= 0) h.mapped.splice(at, 1);
}

function atExit(io: IoManager, mdls: Map<Mdl, Held>, event: TraceEvent): void {
  if (event.type !== 'process.exit') return;
  for (const [mdl, h] of mdls) {
    // A user mapping alone is caught under the verifier only: without it the view goes with the address space.
    const mapping = io.verifier.on ? h.mapped.find((m) => m.process.id === event.pid) : undefined;
    if (h.locked?.id !== event.pid && mapping === undefined) continue;
    const process = h.locked ?? mapping!.process;
    const pages = mdl.frames.length;
    const what = h.locked?.id === event.pid
      ? `still locks ${pages} page(s) of its buffer at 0x${hex(mdl.address)} (MmProbeAndLockPages without MmUnlockPages)`
      : `still maps ${pages} page(s) at 0x${hex(mapping!.address)} into its user space (MmMapLockedPagesSpecifyCache UserMode without MmUnmapLockedPages)`;
    const message = `process ${process.id} (${process.name}) exited while an MDL of ${h.driver} ${what}: unlock and unmap before the process ends, e.g. in IRP_MJ_CLEANUP (part E 15)`;
    if (io.verifier.on) {
      io.machine.bugcheck({ code: 0xcb, name: 'DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS', params: [0, 0, 0, pages], message, driver: h.driver });
    }
    io.machine.bugcheck({ code: 0x76, name: 'PROCESS_HAS_LOCKED_PAGES', params: [0, 0, pages, 0], message });
  }
}

const hex = (n: number) => (n >>> 0).toString(16).toUpperCase();
