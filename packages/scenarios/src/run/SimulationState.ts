import type { Machine } from '@irpsim/core';
import type { IoManager } from '@irpsim/io-manager';
import { deviceViews, driverViews, irpView, type DeviceView, type DriverView, type DriverViewCache, type IrpView } from '../render/ioSnapshot.ts';

/**
 * The observable state of a simulation at one point: plain, JSON-serialisable data read
 * from the engine's working state (docs/api.md). Tables are records keyed by id, so a
 * change to one IRP or thread touches one entry and immer shares the rest between
 * snapshots.
 */
export interface SimulationState {
  /** The sequence number of the last trace event emitted (0 before the first). */
  readonly seq: number;
  /** Simulated nanoseconds. */
  readonly time: number;
  /** Steps run so far (routine invocations between two scheduling points). */
  readonly steps: number;
  /** The run has ended. */
  readonly done: boolean;
  /** User processes by process id. */
  readonly processes: Readonly<Record<string, ProcessState>>;
  /** User threads by thread id. */
  readonly threads: Readonly<Record<string, ThreadState>>;
  /**
   * IRPs in flight (allocated, not yet freed), as `!irp` shows them, in pages of
   * `IRP_PAGE_SIZE` consecutive ids: `irps[irpPageOf(id)][id % IRP_PAGE_SIZE]`, null where
   * no IRP with that id is in flight; a page with none is absent. Paged so that a snapshot
   * copies the page of a changed IRP, not a table of thousands (docs/api.md §4);
   * `irpsOf(state)` and `irpOf(state, id)` read it as one table.
   */
  readonly irps: Readonly<Record<string, IrpPage>>;
  /** Device objects by id (`!devstack`). */
  readonly devices: Readonly<Record<string, DeviceView>>;
  /** Driver objects by id (`!drvobj`). */
  readonly drivers: Readonly<Record<string, DriverView>>;
}

/**
 * One page of the IRP table: `IRP_PAGE_SIZE` slots, slot `id % IRP_PAGE_SIZE` holding the
 * IRP of that id, or null. An array, not a record by id: copying an object keyed by large
 * integers is far slower than copying an array (docs/performance.md, W9, round 6).
 */
export type IrpPage = readonly (IrpView | null)[];

/** How many consecutive IRP ids share a page of `SimulationState.irps`. */
export const IRP_PAGE_SIZE = 64;

/** The page of `SimulationState.irps` that holds the IRP `id`. */
export function irpPageOf(id: number): string {
  return String(Math.floor(id / IRP_PAGE_SIZE));
}

/** Every IRP in flight, ascending by id. */
export function irpsOf(state: Pick<SimulationState, 'irps'>): IrpView[] {
  const out: IrpView[] = [];
  // Integer keys enumerate in ascending order.
  for (const page of Object.values(state.irps)) for (const irp of page) if (irp !== null) out.push(irp);
  return out;
}

/** The IRP `id` if it is in flight. */
export function irpOf(state: Pick<SimulationState, 'irps'>, id: number): IrpView | undefined {
  return state.irps[irpPageOf(id)]?.[id % IRP_PAGE_SIZE] ?? undefined;
}

export interface ProcessState {
  readonly pid: number;
  readonly name: string;
  /** The NTSTATUS it exited with, or null while it runs. */
  readonly exitStatus: number | null;
  /** Open handles by handle value. */
  readonly handles: Readonly<Record<string, HandleState>>;
}

export interface HandleState {
  readonly handle: number;
  /** The object type: `File`, `Event`, `Section` … */
  readonly type: string;
  readonly name: string | null;
  /** The access granted at open. */
  readonly access: number;
}

export interface ThreadState {
  readonly tid: number;
  readonly pid: number;
  /** `app/main`. */
  readonly name: string;
  readonly mode: 'user' | 'kernel';
  /** The system service it is executing, or null in user mode. */
  readonly service: string | null;
  /** Blocked in a wait; `alertable` tells whether a user APC may end it. */
  readonly waiting: boolean;
  readonly alertable: boolean;
  readonly pendingApcs: number;
  readonly exitStatus: number | null;
}

/** Reads the observable state from the engine's working state (no side effect on the run). */
export function readState(machine: Machine, io: IoManager, steps: number): SimulationState {
  return readStateWith(machine, io, steps, readIrps(io));
}

/** The IRPs in flight as the state's table of pages. */
export function readIrps(io: IoManager): Record<string, IrpPage> {
  const pages: Record<string, (IrpView | null)[]> = {};
  for (const irp of io.irps.values()) {
    if (irp.state !== 'freed') (pages[irpPageOf(irp.id)] ??= emptyIrpPage())[irp.id % IRP_PAGE_SIZE] = irpView(irp);
  }
  return pages;
}

/** A page with no IRP in it (`IRP_PAGE_SIZE` nulls). */
export function emptyIrpPage(): (IrpView | null)[] {
  return new Array<IrpView | null>(IRP_PAGE_SIZE).fill(null);
}

/**
 * The observable state with everything but the IRP table read fresh: a snapshot passes the
 * previous table and rebuilds only the IRPs that changed (Snapshot.ts), its simulation's
 * cache of driver views, and the previous state, whose records are handed back wherever
 * the fresh one is equal — so the snapshot's comparison stops at the record, and most
 * records, equal from step to step, are compared here field by field, not walked.
 */
export function readStateWith(
  machine: Machine,
  io: IoManager,
  steps: number,
  irps: Readonly<Record<string, IrpPage>>,
  drivers: DriverViewCache | null = null,
  previous: SimulationState | null = null,
): SimulationState {
  const processes: Record<string, ProcessState> = {};
  const threads: Record<string, ThreadState> = {};
  for (const p of machine.processes) {
    if (p.isSystem) continue;
    const before = previous?.processes[p.id];
    const handles: Record<string, HandleState> = {};
    for (const h of p.handles.handles()) {
      const entry = p.handles.get(h);
      if (entry === undefined) continue;
      handles[h] = sameRecord(before?.handles[h], { handle: h, type: entry.object.type.name, name: entry.object.name, access: entry.access });
    }
    processes[p.id] = sameRecord(before, { pid: p.id, name: p.name, exitStatus: p.exitStatus, handles: sameRecord(before?.handles, handles) });
    for (const t of p.threads) {
      const wait = t.wait !== null && !t.wait.done ? t.wait : null;
      const fresh: ThreadState = {
        tid: t.id,
        pid: p.id,
        name: `${p.name}/${t.name}`,
        mode: t.mode,
        service: t.service,
        waiting: wait !== null,
        alertable: wait?.alertable ?? false,
        pendingApcs: t.userApcs.length,
        exitStatus: t.exitStatus,
      };
      threads[t.id] = sameRecord(previous?.threads[t.id], fresh);
    }
  }
  // The I/O manager's objects as the WinDbg views show them, keyed by id so that one
  // changed object is one changed entry.
  const devices: Record<string, DeviceView> = {};
  for (const d of deviceViews(io)) devices[d.id] = sameRecord(previous?.devices[d.id], d);
  return {
    seq: machine.trace.count,
    time: machine.now,
    steps,
    done: machine.engine.finished,
    processes: sameRecord(previous?.processes, processes),
    threads: sameRecord(previous?.threads, threads),
    irps,
    devices: sameRecord(previous?.devices, devices),
    drivers: sameRecord(previous?.drivers, byId(driverViews(io, drivers))),
  };
}

/** `old` when it has the same fields with the same values (primitives, or the same objects) as `fresh`, else `fresh`. */
function sameRecord<T extends object>(old: T | undefined, fresh: T): T {
  if (old === undefined) return fresh;
  const a = old as Record<string, unknown>;
  const b = fresh as Record<string, unknown>;
  let n = 0;
  for (const key in b) {
    if (a[key] !== b[key]) return fresh;
    n++;
  }
  return n === Object.keys(a).length ? old : fresh;
}

function byId<T extends { readonly id: number }>(list: readonly T[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const x of list) out[x.id] = x;
  return out;
}
