import type { Machine } from '../Machine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { mapGenericAccess } from '../objects/access.ts';
import type { Routine } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import { probeOutputs, writeOutput } from './serviceHelpers.ts';

/** DUPLICATE_CLOSE_SOURCE and DUPLICATE_SAME_ACCESS. */
export const DUPLICATE = { CLOSE_SOURCE: 0x1, SAME_ACCESS: 0x2 } as const;

export function* NtClose(m: Machine, t: Thread, a: { handle: number }): Routine<NtStatus> {
  return yield* m.objects.closeHandle(m.handleTableFor(t, a.handle), t.process.id, a.handle);
}

/**
 * NtDuplicateObject: a new handle to the same object — the handle count and reference
 * count both grow, so the object's last-handle hook waits for both handles (IO-9.5).
 */
export function* NtDuplicateObject(m: Machine, t: Thread, a: { sourceHandle: number; targetHandleOut: number; access: number; options: number }): Routine<NtStatus> {
  const probed = probeOutputs(m, t, a.targetHandleOut);
  if (probed !== STATUS.SUCCESS) return probed;
  const table = m.handleTableFor(t, a.sourceHandle);
  const entry = table.get(a.sourceHandle);
  if (entry === undefined) return STATUS.INVALID_HANDLE;
  // Generic rights are mapped first, so GENERIC_READ asks for what the handle's FILE_GENERIC_READ holds (IO-9.7).
  const access = (a.options & DUPLICATE.SAME_ACCESS) !== 0 ? entry.access : mapGenericAccess(entry.object.type, a.access);
  if (t.previousMode === 'user' && (a.options & DUPLICATE.SAME_ACCESS) === 0 && (access & ~entry.access) !== 0) return STATUS.ACCESS_DENIED;
  const handle = m.objects.openHandle(table, t.process.id, entry.object, access);
  writeOutput(m, t, a.targetHandleOut, handle);
  if ((a.options & DUPLICATE.CLOSE_SOURCE) !== 0) yield* m.objects.closeHandle(table, t.process.id, a.sourceHandle);
  return STATUS.SUCCESS;
}
