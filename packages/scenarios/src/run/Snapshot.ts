import { applyPatches as immerApplyPatches, enablePatches, freeze, type Patch } from 'immer';
import type { IrpView } from '../render/ioSnapshot.ts';
import type { Irp } from '@irpsim/io-manager';
import { frozenIrpView, nextIrpView } from './nextIrpView.ts';
import { copyOf, keyCount, rememberKeyCount } from './frozenRecord.ts';
import { logChange, type PatchLog } from './PatchLog.ts';
import { IRP_PAGE_SIZE, emptyIrpPage, irpPageOf, type IrpPage, type SimulationState, type ThreadState } from './SimulationState.ts';

enablePatches();

export type { Patch } from 'immer';

/**
 * An immutable picture of the state at one point of a run. With `patches` asked for, it
 * also says what changed since the previous snapshot of the same simulation, as JSON
 * patches (RFC 6902 paths as arrays) and their inverse, which lets a viewer step back.
 */
export interface Snapshot {
  readonly state: SimulationState;
  /** What changed since the previous snapshot; null for the first or when not asked for. */
  readonly patches: readonly Patch[] | null;
  /** Undoes `patches` (immer's `applyPatches(snapshot.state, inversePatches)`). */
  readonly inversePatches: readonly Patch[] | null;
}

/**
 * What changed in the IRP table since the previous snapshot: the ids that may have changed
 * (IrpChangeLog) and how to find one now — the IRP, or null once it is gone.
 */
export interface IrpChanges {
  readonly ids: ReadonlySet<number>;
  live(id: number): Irp | null;
}


/**
 * The next snapshot: the fresh state, sharing every unchanged record with the previous
 * one (the very same frozen object), with the patches that take one to the other in
 * immer's format. Written out rather than produced by immer: a `produceWithPatches` costs
 * about 4 µs before it reads anything, and copies a changed table whole, while a step
 * changes a handful of values (docs/performance.md, W9, round 6).
 *
 * With `irps`, `fresh.irps` is not read: only the IRPs `irps` names are read again and
 * compared, page by page — with hundreds of IRPs in flight a step changes one or two.
 */
export function nextSnapshot(previous: SimulationState | null, fresh: SimulationState, patches: boolean, irps?: IrpChanges): Snapshot {
  if (previous === null) return { state: freeze(fresh, true), patches: null, inversePatches: null };
  const log: PatchLog = patches ? { forward: [], inverse: [] } : null;
  // Key by key in the state's order (the patches' order), each written out: a loop over
  // the keys made every read of the two states a megamorphic keyed load.
  const seq = scalar(previous.seq, fresh.seq, 'seq', log);
  const time = scalar(previous.time, fresh.time, 'time', log);
  const steps = scalar(previous.steps, fresh.steps, 'steps', log);
  const done = scalar(previous.done, fresh.done, 'done', log);
  const processes = nextTable(previous.processes, fresh.processes, ['processes'], log);
  const threads = nextTable(previous.threads, fresh.threads, ['threads'], log, nextThreadState);
  const irpTable = irps !== undefined ? nextIrpTable(previous.irps, irps, log) : (diff(previous.irps, fresh.irps, ['irps'], log) as SimulationState['irps']);
  const devices = nextTable(previous.devices, fresh.devices, ['devices'], log);
  const drivers = nextTable(previous.drivers, fresh.drivers, ['drivers'], log);
  const same =
    seq === previous.seq && time === previous.time && steps === previous.steps && done === previous.done &&
    processes === previous.processes && threads === previous.threads && irpTable === previous.irps &&
    devices === previous.devices && drivers === previous.drivers;
  const state = same ? previous : Object.freeze({ seq, time, steps, done, processes, threads, irps: irpTable, devices, drivers });
  // Undone last change first: each inverse patch finds the state its forward one left.
  return { state, patches: log?.forward ?? null, inversePatches: log === null ? null : log.inverse.reverse() };
}

/** A value of the state's top level: logged when it changed. */
function scalar<T extends number | boolean>(before: T, now: T, key: keyof SimulationState, log: PatchLog): T {
  if (before !== now && log !== null) {
    log.forward.push({ op: 'replace', path: [key], value: now });
    log.inverse.push({ op: 'replace', path: [key], value: before });
  }
  return now;
}

/**
 * Applies a snapshot's patches to the state before it (or its inverse patches to the state
 * after it): how a viewer steps forwards and backwards without re-running.
 */
export function applyPatches(state: SimulationState, patches: readonly Patch[]): SimulationState {
  return immerApplyPatches(state, patches);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * `fresh` as the next value of `base` at `path`: `base` itself when nothing differs, else
 * a frozen value sharing every unchanged child of `base`, with the patches of what
 * changed. An array whose length changed is replaced whole, as immer's patches do it.
 * `path` is a stack the walk pushes keys on and pops, copied only into a patch: most of a
 * state is equal to the previous one, and a path per value visited was most of a
 * snapshot's cost.
 */
function diff(base: unknown, fresh: unknown, path: (string | number)[], log: PatchLog): unknown {
  if (base === fresh) return base;
  if (!isObject(base) || !isObject(fresh) || Array.isArray(base) !== Array.isArray(fresh) || (Array.isArray(base) && base.length !== (fresh as unknown as unknown[]).length)) {
    if (log !== null) {
      log.forward.push({ op: 'replace', path: [...path], value: fresh });
      log.inverse.push({ op: 'replace', path: [...path], value: base });
    }
    return freeze(fresh, true);
  }
  if (Array.isArray(base)) {
    const list = fresh as unknown as unknown[];
    let copy: unknown[] | null = null;
    for (let i = 0; i < list.length; i++) {
      if (base[i] === list[i]) continue;
      path.push(i);
      const value = diff(base[i], list[i], path, log);
      path.pop();
      if (value !== base[i]) (copy ??= [...base])[i] = value;
    }
    return copy === null ? base : Object.freeze(copy);
  }
  return diffRecord(base, fresh, path, log);
}

/**
 * `diff` of two records. The result is `fresh` itself, each child equal to `base`'s
 * replaced by `base`'s, then frozen: `fresh` was read for this snapshot and nobody else
 * holds it (a reader's cache hands out records it never changes, which are frozen once
 * a snapshot has taken them and are then copied first). Not a copy of the frozen `base`
 * with the changes written in: copying a frozen record key by key costs about 7 times
 * what building it does (docs/performance.md, W9).
 */
function diffRecord(base: Record<string, unknown>, fresh: Record<string, unknown>, path: (string | number)[], log: PatchLog): unknown {
  const next = Object.isFrozen(fresh) ? copyOf(fresh) : fresh;
  let changed = false;
  for (const key in base) {
    if (key in next) continue;
    changed = true;
    if (log !== null) {
      log.forward.push({ op: 'remove', path: [...path, key] });
      log.inverse.push({ op: 'add', path: [...path, key], value: base[key] });
    }
  }
  for (const key in next) {
    const now = next[key];
    if (!(key in base)) {
      const value = freeze(now, true);
      next[key] = value;
      changed = true;
      if (log !== null) {
        log.forward.push({ op: 'add', path: [...path, key], value });
        log.inverse.push({ op: 'remove', path: [...path, key] });
      }
      continue;
    }
    const old = base[key];
    if (old === now) continue;
    path.push(key);
    const value = diff(old, now, path, log);
    path.pop();
    if (value !== now) next[key] = value;
    if (value !== old) changed = true;
  }
  return changed ? Object.freeze(next) : base;
}

/**
 * `diff` for a table keyed by id whose fresh copy is the snapshot's own to change (read by
 * `readStateWith`, whose unchanged entries are already the previous ones): `base` itself
 * when every entry is, else `fresh` with the changed entries diffed into it — the same
 * value and patches as `diff`, without copying the frozen previous table or walking its
 * keys (frozenRecord.ts) unless an entry was removed.
 */
function nextTable<R>(
  base: Readonly<Record<string, R>>,
  table: Readonly<Record<string, R>>,
  path: (string | number)[],
  log: PatchLog,
  next: (old: R, fresh: R, path: (string | number)[], log: PatchLog) => R = diff as (old: R, fresh: R, path: (string | number)[], log: PatchLog) => R,
): Readonly<Record<string, R>> {
  // `readStateWith` hands back the previous table itself when none of its records changed,
  // else a table of its own for the snapshot to change.
  if (table === base) return base;
  const fresh = table as Record<string, unknown>;
  let count = 0;
  let kept = 0;
  let changed = false;
  for (const key in fresh) {
    count++;
    const old = base[key];
    if (old !== undefined) kept++;
    if (old !== fresh[key]) changed = true;
  }
  const removed = kept !== keyCount(base);
  if (!changed && !removed) return base;
  if (removed && log !== null) {
    for (const key in base) {
      if (key in fresh) continue;
      log.forward.push({ op: 'remove', path: [...path, key] });
      log.inverse.push({ op: 'add', path: [...path, key], value: base[key] });
    }
  }
  for (const key in fresh) {
    const old = base[key];
    const value = fresh[key];
    if (old === value) continue;
    if (old === undefined) {
      fresh[key] = freeze(value, true);
      if (log !== null) {
        log.forward.push({ op: 'add', path: [...path, key], value: fresh[key] });
        log.inverse.push({ op: 'remove', path: [...path, key] });
      }
      continue;
    }
    path.push(key);
    fresh[key] = next(old as R, value as R, path, log);
    path.pop();
  }
  // The next snapshot asks how many keys this table has (a walk of a frozen one is slow).
  rememberKeyCount(fresh, count);
  return Object.freeze(fresh) as Readonly<Record<string, R>>;
}

/**
 * A page of no IRP, for patches: immer's `applyPatches` copies a patch's value before it
 * puts it in a state, so every patch can carry this one frozen page. A page is made and
 * dropped for each IRP of a run that has one IRP at a time (the page of a new id is empty
 * again when its IRP is freed), so this saves three pages of `IRP_PAGE_SIZE` per IRP.
 */
const EMPTY_PAGE: IrpPage = Object.freeze(emptyIrpPage());

/**
 * `diff` of a thread's records (threads change at most steps): the fresh record, frozen,
 * with a patch per changed field in the record's key order — field by field rather than
 * the generic walk of both records' keys. `old` when no field differs.
 */
function nextThreadState(old: ThreadState, fresh: ThreadState, path: (string | number)[], log: PatchLog): ThreadState {
  const changed =
    logChange(log, path, 'tid', old.tid, fresh.tid) |
    logChange(log, path, 'pid', old.pid, fresh.pid) |
    logChange(log, path, 'name', old.name, fresh.name) |
    logChange(log, path, 'mode', old.mode, fresh.mode) |
    logChange(log, path, 'service', old.service, fresh.service) |
    logChange(log, path, 'waiting', old.waiting, fresh.waiting) |
    logChange(log, path, 'alertable', old.alertable, fresh.alertable) |
    logChange(log, path, 'pendingApcs', old.pendingApcs, fresh.pendingApcs) |
    logChange(log, path, 'exitStatus', old.exitStatus, fresh.exitStatus);
  return changed === 0 ? old : Object.freeze(fresh);
}

/** The IRP table with the changes `irps` names: only their pages are copied. */
function nextIrpTable(table: Readonly<Record<string, IrpPage>>, irps: IrpChanges, log: PatchLog): Readonly<Record<string, IrpPage>> {
  if (irps.ids.size === 0) return table;
  // Each changed page's new contents, built from a copy of the page, and whether an IRP left it.
  const pages = new Map<string, { readonly contents: (IrpView | null)[]; emptied: boolean }>();
  for (const id of irps.ids) {
    const pageKey = irpPageOf(id);
    const slot = id % IRP_PAGE_SIZE;
    const page = table[pageKey];
    const old = page?.[slot] ?? null;
    const irp = irps.live(id);
    if (irp === null && old === null) continue;
    const path = ['irps', pageKey, slot];
    let value: IrpView | null;
    if (irp === null || old === null) {
      value = irp === null ? null : frozenIrpView(irp);
      if (log !== null) {
        log.forward.push({ op: 'replace', path, value });
        log.inverse.push({ op: 'replace', path, value: old });
      }
    } else {
      // Read field by field against the old record: most changed IRPs changed a field or two.
      value = nextIrpView(old, irp, path, log);
    }
    if (value === old) continue;
    let changed = pages.get(pageKey);
    if (changed === undefined) pages.set(pageKey, (changed = { contents: [...(page ?? EMPTY_PAGE)], emptied: false }));
    changed.contents[slot] = value;
    if (value === null) changed.emptied = true;
  }
  if (pages.size === 0) return table;
  const next = copyOf(table) as Record<string, IrpPage>;
  for (const [pageKey, { contents, emptied }] of pages) {
    if (emptied && contents.every((irp) => irp === null)) {
      // An empty page is no page: a fresh read would not have it. Its last IRP's patch
      // (to null) was logged above; the page's removal follows it.
      delete next[pageKey];
      if (log !== null) {
        log.forward.push({ op: 'remove', path: ['irps', pageKey] });
        log.inverse.push({ op: 'add', path: ['irps', pageKey], value: EMPTY_PAGE });
      }
    } else {
      if (!(pageKey in table) && log !== null) {
        // A new page: added empty first, so the IRP's own patch has a place to go.
        log.forward.unshift({ op: 'add', path: ['irps', pageKey], value: EMPTY_PAGE });
        log.inverse.unshift({ op: 'remove', path: ['irps', pageKey] });
      }
      next[pageKey] = Object.freeze(contents);
    }
  }
  return Object.freeze(next);
}
