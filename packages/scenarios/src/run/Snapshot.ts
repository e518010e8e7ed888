import { applyPatches as immerApplyPatches, enablePatches, freeze, type Patch } from 'immer';
import type { IrpView } from '../render/ioSnapshot.ts';
import type { Irp } from '@irpsim/io-manager';
import { irpView } from '../render/ioSnapshot.ts';
import { nextIrpView } from './nextIrpView.ts';
import { copyOf, keyCount, rememberKeyCount } from './frozenRecord.ts';
import type { PatchLog } from './PatchLog.ts';
import { IRP_PAGE_SIZE, emptyIrpPage, irpPageOf, type IrpPage, type SimulationState } from './SimulationState.ts';

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
  const base = previous as unknown as Record<string, unknown>;
  const next = fresh as unknown as Record<string, unknown>;
  let copy: Record<string, unknown> | null = null;
  for (const key of Object.keys(next)) {
    const value =
      key === 'irps' && irps !== undefined
        ? nextIrpTable(previous.irps, irps, log)
        : TABLES.has(key)
          ? nextTable(base[key] as Record<string, unknown>, next[key] as Record<string, unknown>, [key], log)
          : diff(base[key], next[key], [key], log);
    if (value !== base[key]) (copy ??= copyOf(base))[key] = value;
  }
  const state = copy === null ? previous : (Object.freeze(copy) as unknown as SimulationState);
  // Undone last change first: each inverse patch finds the state its forward one left.
  return { state, patches: log?.forward ?? null, inversePatches: log === null ? null : log.inverse.reverse() };
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
 * a frozen copy sharing every unchanged child, with the patches of what changed. An
 * array whose length changed is replaced whole, as immer's patches do it. `path` is a
 * stack the walk pushes keys on and pops, copied only into a patch: most of a state is
 * equal to the previous one, and a path per value visited was most of a snapshot's cost.
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
  let copy: Record<string, unknown> | null = null;
  for (const key in base) {
    if (key in fresh) continue;
    delete (copy ??= copyOf(base))[key];
    if (log !== null) {
      log.forward.push({ op: 'remove', path: [...path, key] });
      log.inverse.push({ op: 'add', path: [...path, key], value: base[key] });
    }
  }
  for (const key in fresh) {
    if (!(key in base)) {
      const value = freeze(fresh[key], true);
      (copy ??= copyOf(base))[key] = value;
      if (log !== null) {
        log.forward.push({ op: 'add', path: [...path, key], value });
        log.inverse.push({ op: 'remove', path: [...path, key] });
      }
      continue;
    }
    const old = base[key];
    if (old === fresh[key]) continue;
    path.push(key);
    const value = diff(old, fresh[key], path, log);
    path.pop();
    if (value !== old) (copy ??= copyOf(base))[key] = value;
  }
  return copy === null ? base : Object.freeze(copy);
}

/** The state's tables keyed by id, which `nextTable` compares. */
const TABLES: ReadonlySet<string> = new Set(['processes', 'threads', 'devices', 'drivers']);

/**
 * `diff` for a table keyed by id whose fresh copy is the snapshot's own to change (read by
 * `readStateWith`, whose unchanged entries are already the previous ones): `base` itself
 * when every entry is, else `fresh` with the changed entries diffed into it — the same
 * value and patches as `diff`, without copying the frozen previous table or walking its
 * keys (frozenRecord.ts) unless an entry was removed.
 */
function nextTable(base: Readonly<Record<string, unknown>>, fresh: Record<string, unknown>, path: (string | number)[], log: PatchLog): unknown {
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
    fresh[key] = diff(old, value, path, log);
    path.pop();
  }
  // The next snapshot asks how many keys this table has (a walk of a frozen one is slow).
  rememberKeyCount(fresh, count);
  return Object.freeze(fresh);
}

/** The IRP table with the changes `irps` names: only their pages are copied. */
function nextIrpTable(table: Readonly<Record<string, IrpPage>>, irps: IrpChanges, log: PatchLog): Readonly<Record<string, IrpPage>> {
  if (irps.ids.size === 0) return table;
  // Each changed page's new contents, built from a copy of the page.
  const pages = new Map<string, (IrpView | null)[]>();
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
      value = irp === null ? null : freeze(irpView(irp), true);
      if (log !== null) {
        log.forward.push({ op: 'replace', path, value });
        log.inverse.push({ op: 'replace', path, value: old });
      }
    } else {
      // Read field by field against the old record: most changed IRPs changed a field or two.
      value = nextIrpView(old, irp, path, log);
    }
    if (value === old) continue;
    let contents = pages.get(pageKey);
    if (contents === undefined) pages.set(pageKey, (contents = page === undefined ? emptyIrpPage() : [...page]));
    contents[slot] = value;
  }
  if (pages.size === 0) return table;
  const next = copyOf(table) as Record<string, IrpPage>;
  for (const [pageKey, contents] of pages) {
    if (contents.every((irp) => irp === null)) {
      // An empty page is no page: a fresh read would not have it. Its last IRP's patch
      // (to null) was logged above; the page's removal follows it.
      delete next[pageKey];
      if (log !== null) {
        log.forward.push({ op: 'remove', path: ['irps', pageKey] });
        log.inverse.push({ op: 'add', path: ['irps', pageKey], value: emptyIrpPage() });
      }
    } else {
      if (!(pageKey in table) && log !== null) {
        // A new page: added empty first, so the IRP's own patch has a place to go.
        log.forward.unshift({ op: 'add', path: ['irps', pageKey], value: emptyIrpPage() });
        log.inverse.unshift({ op: 'remove', path: ['irps', pageKey] });
      }
      next[pageKey] = Object.freeze(contents);
    }
  }
  return Object.freeze(next);
}
