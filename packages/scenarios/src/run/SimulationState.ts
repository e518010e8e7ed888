import type { Machine } from '@irpsim/core';
import type { IoManager } from '@irpsim/io-manager';
import { deviceViews, driverViews, irpView, type DeviceView, type DriverView, type IrpView } from '../render/ioSnapshot.ts';

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
   * `IRP_PAGE_SIZE` consecutive ids: `irps[page][id]`, the page being `irpPageOf(id)`.
   * Paged so that a snapshot copies the page of a changed IRP, not a table of thousands
   * (docs/api.md §4); `irpsOf(state)` and `irpOf(state, id)` read it as one table.
   */
  readonly irps: Readonly<Record<string, IrpPage>>;
  /** Device objects by id (`!devstack`). */
  readonly devices: Readonly<Record<string, DeviceView>>;
  /** Driver objects by id (`!drvobj`). */
  readonly drivers: Readonly<Record<string, DriverView>>;
}

/** One page of the IRP table: the IRPs in flight whose ids share `Math.floor(id / IRP_PAGE_SIZE)`, by id. */
export type IrpPage = Readonly<Record<string, IrpView>>;

/** How many consecutive IRP ids share a page of `SimulationState.irps`. */
export const IRP_PAGE_SIZE = 64;

/** The page of `SimulationState.irps` that holds the IRP `id`. */
export function irpPageOf(id: number): string {
  return String(Math.floor(id / IRP_PAGE_SIZE));
}

/** Every IRP in flight, ascending by id. */
export function irpsOf(state: Pick<SimulationState, 'irps'>): IrpView[] {
  return Object.keys(state.irps)
    .map(Number)
    .sort((a, b) => a - b)
    .flatMap((page) => Object.values(state.irps[String(page)]!));
}

/** The IRP `id` if it is in flight. */
export function irpOf(state: Pick<SimulationState, 'irps'>, id: number): IrpView | undefined {
  return state.irps[irpPageOf(id)]?.[String(id)];
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

/** The IRPs in flight as the state's table: pages of ids, each keyed by id (integer keys enumerate in ascending order). */
export function readIrps(io: IoManager): Record<string, IrpPage> {
  const pages: Record<string, Record<string, IrpView>> = {};
  for (const irp of io.irps.values()) if (irp.state !== 'freed') (pages[irpPageOf(irp.id)] ??= {})[irp.id] = irpView(irp);
  return pages;
}

/**
 * The observable state with everything but the IRP table read fresh: a snapshot passes the
 * previous table and rebuilds only the IRPs that changed (Snapshot.ts).
 */
export function readStateWith(machine: Machine, io: IoManager, steps: number, irps: Readonly<Record<string, IrpPage>>): SimulationState {
  const processes: Record<string, ProcessState> = {};
  const threads: Record<string, ThreadState> = {};
  for (const p of machine.processes) {
    if (p.isSystem) continue;
    const handles: Record<string, HandleState> = {};
    for (const h of p.handles.handles()) {
      const entry = p.handles.get(h);
      if (entry === undefined) continue;
      handles[h] = { handle: h, type: entry.object.type.name, name: entry.object.name, access: entry.access };
    }
    processes[p.id] = { pid: p.id, name: p.name, exitStatus: p.exitStatus, handles };
    for (const t of p.threads) {
      const wait = t.wait !== null && !t.wait.done ? t.wait : null;
      threads[t.id] = {
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
    }
  }
  // The I/O manager's objects as the WinDbg views show them, keyed by id so that one
  // changed object is one changed entry.
  const devices = byId(deviceViews(io));
  const drivers = byId(driverViews(io));
  return { seq: machine.trace.count, time: machine.now, steps, done: machine.engine.finished, processes, threads, irps, devices, drivers };
}

function byId<T extends { readonly id: number }>(list: readonly T[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const x of list) out[x.id] = x;
  return out;
}
