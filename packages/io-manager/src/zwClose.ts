import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import type { IoManager } from './IoManager.ts';

/**
 * ZwClose from kernel code (a driver's, or a scenario's kernel thread's). With the
 * verifier on, closing a handle that is not open (ZwClose twice) is bug check 0x93
 * INVALID_KERNEL_HANDLE (P2 = 1: invalid), verifier-and-objects.md A.4 (objects area);
 * with it off, STATUS_INVALID_HANDLE. `caller` names who closed it; `driver`, the driver
 * the report blames (null for a thread that belongs to none).
 */
export function* zwClose(io: IoManager, handle: number, caller: string, driver: string | null): Routine<NtStatus> {
  const status = yield* io.machine.zwCall('NtClose', { handle });
  if (status === STATUS.INVALID_HANDLE && io.verifier.on) {
    io.machine.bugcheck({
      code: 0x93,
      name: 'INVALID_KERNEL_HANDLE',
      params: [handle >>> 0, 1, 0, 0],
      message: `${caller} closed handle 0x${(handle >>> 0).toString(16).toUpperCase()}, which is not open (closed twice?)`,
      ...(driver !== null ? { driver } : {}),
    });
  }
  return status;
}
