import type { IoStackLocation, Irp } from '@irpsim/io-manager';
import { completionRoutineOf, contextOf, irpView, locationView, type IrpView, type StackLocationView } from '../render/ioSnapshot.ts';
import { logChange as field, logReplace as replace, type PatchLog } from './PatchLog.ts';

type Path = readonly (string | number)[];

/**
 * The next record of an IRP whose previous record is `old`: `old` itself when nothing
 * changed, else a new frozen record sharing every unchanged part, with the patches at
 * `path` — what the snapshot's generic diff of `old` against a fresh `irpView(irp)` gives
 * (the same values, patches and order), read field by field from the IRP itself. A changed
 * record is built as one literal of `IrpView`'s keys: copying a frozen record key by key
 * costs about 7 times as much (docs/performance.md, W9). The snapshot property test
 * (scenarios/test/snapshotChanges.test.ts) holds every lesson's snapshots against full
 * reads and its patches both ways.
 */
export function nextIrpView(old: IrpView, irp: Irp, path: Path, log: PatchLog): IrpView {
  const id = irp.id;
  const address = irp.address;
  const state = irp.state;
  const stackCount = irp.stackCount;
  const currentLocation = irp.currentLocation;
  const flags = irp.flags;
  const status = irp.status;
  const information = irp.information;
  const pendingReturned = irp.pendingReturned;
  const cancel = irp.cancel;
  const requestorMode = irp.requestorMode;
  const systemBuffer = irp.systemBuffer;
  const mdlVa = irp.mdl?.address ?? 0;
  const userBuffer = irp.userBuffer;
  // `|` rather than `||`: every field is compared and logged, in the record's key order.
  const changed =
    field(log, path, 'id', old.id, id) |
    field(log, path, 'address', old.address, address) |
    field(log, path, 'state', old.state, state) |
    field(log, path, 'stackCount', old.stackCount, stackCount) |
    field(log, path, 'currentLocation', old.currentLocation, currentLocation) |
    field(log, path, 'flags', old.flags, flags) |
    field(log, path, 'status', old.status, status) |
    field(log, path, 'information', old.information, information) |
    field(log, path, 'pendingReturned', old.pendingReturned, pendingReturned) |
    field(log, path, 'cancel', old.cancel, cancel) |
    field(log, path, 'requestorMode', old.requestorMode, requestorMode) |
    field(log, path, 'systemBuffer', old.systemBuffer, systemBuffer) |
    field(log, path, 'mdlVa', old.mdlVa, mdlVa) |
    field(log, path, 'userBuffer', old.userBuffer, userBuffer);
  const thread = nextThread(old.thread, irp.thread, path, log);
  const stack = nextStack(old.stack, irp.stack, path, log);
  if (changed === 0 && thread === old.thread && stack === old.stack) return old;
  return Object.freeze({
    id, address, state, stackCount, currentLocation, flags, status, information,
    pendingReturned, cancel, requestorMode, systemBuffer, mdlVa, userBuffer, thread, stack,
  });
}

/**
 * An IRP's first record, deeply frozen: `freeze(irpView(irp), true)` without immer's
 * generic walk of every key (a new IRP per request, W9).
 */
export function frozenIrpView(irp: Irp): IrpView {
  const view = irpView(irp);
  if (view.thread !== null) Object.freeze(view.thread);
  frozenStack(view.stack);
  return Object.freeze(view);
}

function nextThread(old: IrpView['thread'], thread: Irp['thread'], path: Path, log: PatchLog): IrpView['thread'] {
  if (thread === null || old === null) {
    if (thread === null && old === null) return old;
    const value = thread === null ? null : Object.freeze({ tid: thread.id, name: thread.name });
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
    const value = frozenStack(stack.map(locationView));
    replace(log, path, 'stack', old, value);
    return value;
  }
  let copy: StackLocationView[] | null = null;
  for (let i = 0; i < stack.length; i++) {
    const location = nextLocation(old[i]!, stack[i]!, path, i, log);
    if (location !== old[i]) (copy ??= [...old])[i] = location;
  }
  return copy === null ? old : Object.freeze(copy);
}

/** Locations read with `locationView`, frozen in place, and their array. */
function frozenStack(stack: readonly StackLocationView[]): readonly StackLocationView[] {
  for (const location of stack) {
    Object.freeze(location.args);
    Object.freeze(location);
  }
  return Object.freeze(stack);
}

/** Location `index` of the IRP at `irpPath`; its path is built only when something changed. */
function nextLocation(old: StackLocationView, sl: IoStackLocation, irpPath: Path, index: number, log: PatchLog): StackLocationView {
  const major = sl.majorFunction;
  const minor = sl.minorFunction;
  const flags = sl.flags;
  const control = sl.control;
  const device = sl.deviceObject?.id ?? null;
  const file = sl.fileObject?.id ?? null;
  const completionRoutine = completionRoutineOf(sl);
  const context = contextOf(sl);
  const oldArgs = old.args;
  if (
    major === old.major && minor === old.minor && flags === old.flags && control === old.control &&
    sl.arg1 === oldArgs[0] && sl.arg2 === oldArgs[1] && sl.arg3 === oldArgs[2] && sl.arg4 === oldArgs[3] &&
    device === old.device && file === old.file && completionRoutine === old.completionRoutine && context === old.context
  ) {
    return old;
  }
  const path = [...irpPath, 'stack', index];
  field(log, path, 'major', old.major, major);
  field(log, path, 'minor', old.minor, minor);
  field(log, path, 'flags', old.flags, flags);
  field(log, path, 'control', old.control, control);
  const args = nextArgs(oldArgs, sl, [...path, 'args'], log);
  field(log, path, 'device', old.device, device);
  field(log, path, 'file', old.file, file);
  field(log, path, 'completionRoutine', old.completionRoutine, completionRoutine);
  field(log, path, 'context', old.context, context);
  return Object.freeze({ major, minor, flags, control, args, device, file, completionRoutine, context });
}

function nextArgs(old: StackLocationView['args'], sl: IoStackLocation, path: Path, log: PatchLog): StackLocationView['args'] {
  const now = [sl.arg1, sl.arg2, sl.arg3, sl.arg4] as const;
  if (now[0] === old[0] && now[1] === old[1] && now[2] === old[2] && now[3] === old[3]) return old;
  for (let i = 0; i < 4; i++) if (now[i] !== old[i]) replace(log, path, i, old[i], now[i]);
  return Object.freeze(now);
}
