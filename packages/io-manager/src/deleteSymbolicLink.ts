import { STATUS, SymbolicLinkType, type NtStatus } from '@irpsim/core';
import type { IoManager } from './IoManager.ts';

/**
 * IoDeleteSymbolicLink: removes the link from the namespace. Later opens through it fail
 * with STATUS_OBJECT_NAME_NOT_FOUND; the device stays reachable by its NT name (IO-9.1).
 */
export function deleteSymbolicLink(io: IoManager, link: string): NtStatus {
  const found = io.machine.objects.lookup(link, { openLink: true });
  let status: NtStatus = found.status;
  if (found.object !== null) {
    if (found.object.type !== SymbolicLinkType || found.remaining !== '') status = STATUS.OBJECT_TYPE_MISMATCH;
    else io.machine.objects.makeTemporary(found.object);
  }
  if (io.trace.on) io.trace.emit({ type: 'io.symlink.delete', link, status });
  return status;
}
