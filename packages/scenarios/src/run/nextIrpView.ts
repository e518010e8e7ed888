import { freeze } from 'immer';
import type { IoStackLocation, Irp } from '@irpsim/io-manager';
import { completionRoutineOf, contextOf, locationView, type IrpView, type StackLocationView } from '../render/ioSnapshot.ts';
import { copyOf } from './frozenRecord.ts';
import { logReplace as replace, type PatchLog } from './PatchLog.ts';

type Path = readonly (string | number)[];

/** An IRP's scalar fields in `IrpView`'s key order, each with how to read it from the IRP. */
const IRP_FIELDS: readonly (readonly [string, (irp: Irp) => unknown])[] = [
  ['id', (irp) => irp.id],
  ['address', (irp) => irp.address],
  ['state', (irp) => irp.state],
  ['stackCount', (irp) => irp.stackCount],
  ['currentLocation', (irp) => irp.currentLocation],
  ['flags', (irp) => irp.flags],
  ['status', (irp) => irp.status],
  ['information', (irp) => irp.information],
  ['pendingReturned', (irp) => irp.pendingReturned],
  ['cancel', (irp) => irp.cancel],
  ['requestorMode', (irp) => irp.requestorMode],
  ['systemBuffer', (irp) => irp.systemBuffer],
  ['mdlVa', (irp) => irp.mdl?.address ?? 0],
  ['userBuffer', (irp) => irp.userBuffer],
];

/** A location's fields before `args`, and after it, in `StackLocationView`'s key order. */
const LOCATION_HEAD: readonly (readonly [string, (sl: IoStackLocation) => unknown])[] = [
  ['major', (sl) => sl.majorFunction],
  ['minor', (sl) => sl.minorFunction],
  ['flags', (sl) => sl.flags],
  ['control', (sl) => sl.control],
];
const LOCATION_TAIL: readonly (readonly [string, (sl: IoStackLocation) => unknown])[] = [
  ['device', (sl) => sl.deviceObject?.id ?? null],
  ['file', (sl) => sl.fileObject?.id ?? null],
  ['completionRoutine', completionRoutineOf],
  ['context', contextOf],
];

/**
 * The next record of an IRP whose previous record is `old`: `old` itself when nothing
 * changed, else a frozen copy sharing every unchanged part, with the patches at `path` —
 * what the snapshot's generic diff of `old` against a fresh `irpView(irp)` gives (the
 * same values and patches, in the same order), without building the fresh record or
 * walking its keys: an IRP is read field by field from the IRP itself. The snapshot
 * property test (scenarios/test/snapshotChanges.test.ts) holds every lesson's snapshots
 * against full reads and its patches both ways.
 */
export function nextIrpView(old: IrpView, irp: Irp, path: Path, log: PatchLog): IrpView {
  const base = old as unknown as Record<string, unknown>;
  let copy = changedFields(base, irp, IRP_FIELDS, path, log, null);
  const thread = nextThread(old.thread, irp.thread, path, log);
  if (thread !== old.thread) (copy ??= copyOf(base))['thread'] = thread;
  const stack = nextStack(old.stack, irp.stack, path, log);
  if (stack !== old.stack) (copy ??= copyOf(base))['stack'] = stack;
  return copy === null ? old : (Object.freeze(copy) as unknown as IrpView);
}

/**
 * Logs each of `fields` whose value in `source` differs from `base`'s and writes it into
 * `copy` (a copy of `base` made at the first difference); returns `copy`.
 */
function changedFields<S>(
  base: Readonly<Record<string, unknown>>,
  source: S,
  fields: readonly (readonly [string, (source: S) => unknown])[],
  path: Path,
  log: PatchLog,
  copy: Record<string, unknown> | null,
): Record<string, unknown> | null {
  for (const [key, read] of fields) {
    const value = read(source);
    if (value === base[key]) continue;
    replace(log, path, key, base[key], value);
    (copy ??= copyOf(base))[key] = value;
  }
  return copy;
}

function nextThread(old: IrpView['thread'], thread: Irp['thread'], path: Path, log: PatchLog): IrpView['thread'] {
  if (thread === null || old === null) {
    if (thread === null && old === null) return old;
    const value = thread === null ? null : freeze({ tid: thread.id, name: thread.name });
    replace(log, path, 'thread', old, value);
    return value;
  }
  if (old.tid === thread.id && old.name === thread.name) return old;
  const at = [...path, 'thread'];
  if (old.tid !== thread.id) replace(log, at, 'tid', old.tid, thread.id);
  if (old.name !== thread.name) replace(log, at, 'name', old.name, thread.name);
  return Object.freeze({ tid: thread.id, name: thread.name });
}

/** The IRP's `stack`; `path` is the IRP's. */
function nextStack(old: readonly StackLocationView[], stack: readonly IoStackLocation[], path: Path, log: PatchLog): readonly StackLocationView[] {
  if (old.length !== stack.length) {
    // As the generic diff does it: an array whose length changed is replaced whole.
    const value = freeze(stack.map(locationView), true);
    replace(log, path, 'stack', old, value);
    return value;
  }
  let copy: StackLocationView[] | null = null;
  for (let i = 0; i < stack.length; i++) {
    const location = nextLocation(old[i]!, stack[i]!, [...path, 'stack', i], log);
    if (location !== old[i]) (copy ??= [...old])[i] = location;
  }
  return copy === null ? old : Object.freeze(copy);
}

function nextLocation(old: StackLocationView, sl: IoStackLocation, path: Path, log: PatchLog): StackLocationView {
  const base = old as unknown as Record<string, unknown>;
  let copy = changedFields(base, sl, LOCATION_HEAD, path, log, null);
  const args = nextArgs(old.args, sl, [...path, 'args'], log);
  if (args !== old.args) (copy ??= copyOf(base))['args'] = args;
  copy = changedFields(base, sl, LOCATION_TAIL, path, log, copy);
  return copy === null ? old : (Object.freeze(copy) as unknown as StackLocationView);
}

function nextArgs(old: StackLocationView['args'], sl: IoStackLocation, path: Path, log: PatchLog): StackLocationView['args'] {
  const now = [sl.arg1, sl.arg2, sl.arg3, sl.arg4] as const;
  let copy: number[] | null = null;
  for (let i = 0; i < 4; i++) {
    const value = now[i]!;
    if (value === old[i]) continue;
    replace(log, path, i, old[i], value);
    (copy ??= [...old])[i] = value;
  }
  return copy === null ? old : (Object.freeze(copy) as unknown as StackLocationView['args']);
}
