import { STATUS, type Machine, type NtStatus, type Routine, type SystemServiceArgs, type Thread } from '@irpsim/core';
import type { IoManager } from '../IoManager.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    /** NtSetIoCompletion: posts a packet with any status and Information (IO-7.17). */
    NtSetIoCompletion: { handle: number; key: number; apcContext: number; status: number; information: number };
  }
}

/** NtSetIoCompletion (PostQueuedCompletionStatus): needs IO_COMPLETION_MODIFY_STATE. */
export function NtSetIoCompletion(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: SystemServiceArgs['NtSetIoCompletion']): Routine<NtStatus> {
    const { status, port } = io.completionPorts.reference(thread, a.handle);
    if (port === null) return status;
    const packet = { key: a.key >>> 0, apcContext: a.apcContext >>> 0, status: a.status >>> 0, information: a.information >>> 0 };
    if (io.trace.on) io.trace.emit({ type: 'io.port.queue', port: port.id, irp: null, ...packet });
    port.insert(machine.engine, packet);
    yield* machine.objects.dereference(port.object);
    return STATUS.SUCCESS;
  };
}
