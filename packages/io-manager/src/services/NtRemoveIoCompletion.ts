import { STATUS, type Machine, type NtStatus, type Routine, type SystemServiceArgs, type Thread } from '@irpsim/core';
import type { IoManager } from '../IoManager.ts';
import { probeWrites } from './probeWrites.ts';
import { removeFromPort, writePacket } from './removeFromPort.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    /** NtRemoveIoCompletion: one packet into *keyOut, *apcContextOut and the IOSB; `timeoutNs` null waits forever. */
    NtRemoveIoCompletion: { handle: number; keyOut: number; apcContextOut: number; iosb: number; timeoutNs: number | null };
  }
}

/**
 * NtRemoveIoCompletion (GetQueuedCompletionStatus): STATUS_SUCCESS with the packet's key,
 * ApcContext and {Status, Information} written; or STATUS_TIMEOUT, STATUS_USER_APC or
 * STATUS_ABANDONED_WAIT_0 with nothing written (IO-7.10).
 */
export function NtRemoveIoCompletion(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: SystemServiceArgs['NtRemoveIoCompletion']): Routine<NtStatus> {
    const probed = probeWrites(machine, thread, a.keyOut, 4, a.apcContextOut, 4, a.iosb, 8);
    if (probed !== STATUS.SUCCESS) return probed;
    const { status, port } = io.completionPorts.reference(thread, a.handle);
    if (port === null) return status;
    try {
      const packet = yield* removeFromPort(io, thread, port, a.timeoutNs, false);
      if (typeof packet === 'number') return packet;
      return writePacket(io, thread, port, packet, a.keyOut, a.apcContextOut, a.iosb);
    } finally {
      machine.objects.dereferenceDeferred(port.object);
    }
  };
}
