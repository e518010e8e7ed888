import { SimException, STATUS, probeForWrite, type Machine, type NtStatus, type Thread } from '@irpsim/core';

/**
 * ProbeForWrite of a user-mode caller's outputs, 4-byte aligned, given as (address,
 * length) pairs: STATUS_SUCCESS, or the code of the exception a probe raised. Kernel-mode
 * callers are not probed.
 */
export function probeWrites(machine: Machine, thread: Thread, ...ranges: number[]): NtStatus {
  if (thread.previousMode !== 'user') return STATUS.SUCCESS;
  try {
    for (let i = 0; i < ranges.length; i += 2) probeForWrite(machine.memory, thread.process.space, ranges[i]!, ranges[i + 1]!, 4);
  } catch (error) {
    if (SimException.is(error)) return error.code;
    throw error;
  }
  return STATUS.SUCCESS;
}

/**
 * Writes a 32-bit output of a service to an address probed earlier, under the service's
 * exception handler: the caller may have freed the memory since. STATUS_SUCCESS, or the
 * code of the exception.
 */
export function writeOutput(machine: Machine, thread: Thread, address: number, value: number): NtStatus {
  try {
    machine.memory.writeU32(thread.process.space, address, value, 'kernel');
  } catch (error) {
    if (SimException.is(error)) return error.code;
    throw error;
  }
  return STATUS.SUCCESS;
}
