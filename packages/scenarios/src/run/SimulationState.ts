import type { Machine, Process, Thread } from '@irpsim/core';
import type { IoManager } from '@irpsim/io-manager';
import { TableRead } from './TableRead.ts';
import { deviceView, driverViews, irpView, type DeviceView, type DriverView, type DriverViewCache, type IrpView } from '../render/ioSnapshot.ts';

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
export const IRP_PAGE_SIZE = 256;

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
 * The state with `irps` as its IRP table. With `previous` (the last snapshot's state), every
 * record that still says the same is `previous`'s very object — compared field by field
 * with what it was read from before anything is built — so a snapshot shares it without
 * comparing it again (its tables: Snapshot.ts's `nextTable`), and a step that changed one
 * thread allocates one record; a table none of whose records changed is `previous`'s table
 * (TableRead.ts). Whatever else it returns is new and the caller's to change: a snapshot
 * freezes it in place.
 */
export function readStateWith(
  machine: Machine,
  io: IoManager,
  steps: number,
  irps: Readonly<Record<string, IrpPage>>,
  drivers: DriverViewCache | null = null,
  previous: SimulationState | null = null,
): SimulationState {
  // Each record is compared with `previous`'s as it is read: a table is built only when
  // one of its records changed or went (TableRead.ts).
  let threadCount = 0;
  for (const p of machine.processes) threadCount += p.threads.length;
  const processes = new TableRead<ProcessState>(machine.processes.length);
  const threads = new TableRead<ThreadState>(threadCount);
  for (const p of machine.processes) {
    if (p.isSystem) continue;
    const before = previous?.processes[p.id];
    processes.add(p.id, readProcess(p, before), before);
    for (const t of p.threads) {
      const old = previous?.threads[t.id];
      threads.add(t.id, readThread(p, t, old), old);
    }
  }
  // The I/O manager's objects as the WinDbg views show them, keyed by id so that one
  // changed object is one changed entry.
  const devices = new TableRead<DeviceView>(io.devices.length);
  for (const d of io.devices) {
    const old = previous?.devices[d.id];
    devices.add(d.id, deviceView(d, old), old);
  }
  const driverTable = new TableRead<DriverView>(io.drivers.size);
  for (const view of driverViews(io, drivers)) driverTable.add(view.id, view, previous?.drivers[view.id]);
  return {
    seq: machine.trace.count,
    time: machine.now,
    steps,
    done: machine.engine.finished,
    processes: processes.table(previous?.processes),
    threads: threads.table(previous?.threads),
    irps,
    devices: devices.table(previous?.devices),
    drivers: driverTable.table(previous?.drivers),
  };
}

/** A process and its handles; `before` itself when nothing of it changed. */
function readProcess(p: Process, before: ProcessState | undefined): ProcessState {
  const oldHandles = before?.handles;
  const read = new TableRead<HandleState>(p.handles.size);
  p.handles.forEach((h, entry) => {
    const old = oldHandles?.[h];
    const type = entry.object.type.name;
    const name = entry.object.name;
    read.add(h, old !== undefined && old.type === type && old.name === name && old.access === entry.access ? old : { handle: h, type, name, access: entry.access }, old);
  });
  const handles = read.table(oldHandles);
  if (before !== undefined && before.handles === handles && before.exitStatus === p.exitStatus && before.name === p.name) return before;
  return { pid: p.id, name: p.name, exitStatus: p.exitStatus, handles };
}

/** A thread; `old` itself when nothing of it changed (its ids and names never do). */
function readThread(p: Process, t: Thread, old: ThreadState | undefined): ThreadState {
  const wait = t.wait !== null && !t.wait.done ? t.wait : null;
  const waiting = wait !== null;
  const alertable = wait?.alertable ?? false;
  if (
    old !== undefined &&
    old.mode === t.mode &&
    old.service === t.service &&
    old.waiting === waiting &&
    old.alertable === alertable &&
    old.pendingApcs === t.userApcs.length &&
    old.exitStatus === t.exitStatus
  ) {
    return old;
  }
  return {
    tid: t.id,
    pid: p.id,
    name: `${p.name}/${t.name}`,
    mode: t.mode,
    service: t.service,
    waiting,
    alertable,
    pendingApcs: t.userApcs.length,
    exitStatus: t.exitStatus,
  };
}
