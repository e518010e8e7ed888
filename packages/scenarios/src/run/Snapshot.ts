import { applyPatches as immerApplyPatches, enablePatches, freeze, produce, produceWithPatches, type Draft, type Patch } from 'immer';
import type { IrpView } from '../render/ioSnapshot.ts';
import type { SimulationState } from './SimulationState.ts';

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
 * (IrpChangeLog) and how to read one now — its record, or null once it is gone.
 */
export interface IrpChanges {
  readonly ids: ReadonlySet<number>;
  read(id: number): IrpView | null;
}

/**
 * The next snapshot: the fresh state, sharing every unchanged record with the previous
 * one. Only entries whose values differ are written to the draft, so the patches list
 * exactly what changed. The comparison reads the previous state itself, not the draft:
 * immer makes a proxy for every draft object read, so only the paths that changed are
 * drafted and the cost of the produce step follows the change, not the state's size.
 *
 * With `irps`, `fresh.irps` is the previous table and only the IRPs it names are read
 * again: with hundreds of IRPs in flight a step changes one or two, and reading them all
 * was most of a snapshot's cost (docs/performance.md, W9).
 */
export function nextSnapshot(previous: SimulationState | null, fresh: SimulationState, patches: boolean, irps?: IrpChanges): Snapshot {
  if (previous === null) return { state: freeze(fresh, true), patches: null, inversePatches: null };
  const recipe = (draft: Draft<SimulationState>): void => {
    assignChanges(draft as unknown as Record<string, unknown>, previous as unknown as Record<string, unknown>, fresh as unknown as Record<string, unknown>);
    if (irps !== undefined) assignIrpChanges(draft.irps as unknown as Record<string, unknown>, previous.irps, irps);
  };
  if (!patches) return { state: produce(previous, recipe), patches: null, inversePatches: null };
  const [state, forward, inverse] = produceWithPatches(previous, recipe);
  return { state, patches: forward, inversePatches: inverse };
}

/** Writes into `target`, the draft of the IRP table `base`, the changes of the IRPs `changes` names. */
function assignIrpChanges(target: Record<string, unknown>, base: Readonly<Record<string, IrpView>>, changes: IrpChanges): void {
  // Ascending ids: an IRP added here takes the place a fresh read would give it.
  for (const id of [...changes.ids].sort((a, b) => a - b)) {
    const key = String(id);
    const old = base[key];
    const view = changes.read(id);
    if (view === null) {
      if (old !== undefined) delete target[key];
    } else if (old === undefined) {
      target[key] = view;
    } else if (differs(old, view)) {
      assignChanges(target[key] as Record<string, unknown>, old as unknown as Record<string, unknown>, view as unknown as Record<string, unknown>);
    }
  }
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
 * Writes into `target`, the draft of `base`, only what differs in `source`, recursively;
 * removes keys `source` lacks. A child is read from the draft — which drafts it — only
 * when something in it differs.
 */
function assignChanges(target: Record<string, unknown>, base: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const key of Object.keys(base)) if (!(key in source)) delete target[key];
  for (const key of Object.keys(source)) {
    const value = source[key];
    const old = base[key];
    if (old === value) continue;
    if (isObject(old) && isObject(value) && Array.isArray(old) === Array.isArray(value)) {
      if (Array.isArray(old) && Array.isArray(value) && old.length !== value.length) {
        target[key] = value;
        continue;
      }
      if (differs(old, value)) assignChanges(target[key] as Record<string, unknown>, old, value);
    } else {
      target[key] = value;
    }
  }
}

/** Whether two plain JSON-like values differ anywhere. */
function differs(a: unknown, b: unknown): boolean {
  if (a === b) return false;
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return true;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return true;
  for (const key of aKeys) {
    if (!(key in b) || differs(a[key], b[key])) return true;
  }
  return false;
}
