import { STATUS, type Machine, type NtStatus, type Routine, type SystemServiceArgs, type Thread } from '@irpsim/core';
import type { IoManager } from '../IoManager.ts';
import { probeWrites, writeOutput } from './probeWrites.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    /** NtCreateIoCompletion: an unnamed port; `count` is the concurrency value (0 = one per CPU). */
    NtCreateIoCompletion: { handleOut: number; access: number; count: number };
  }
}

/** NtCreateIoCompletion (CreateIoCompletionPort with no existing port). */
export function NtCreateIoCompletion(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: SystemServiceArgs['NtCreateIoCompletion']): Routine<NtStatus> {
    const user = thread.previousMode === 'user';
    const probed = probeWrites(machine, thread, a.handleOut, 4);
    if (probed !== STATUS.SUCCESS) return probed;
    const port = io.completionPorts.create(a.count >>> 0);
    const table = user ? thread.process.handles : machine.system.handles;
    const handle = machine.objects.openHandle(table, thread.process.id, port.object, a.access);
    // The creator's reference goes; the handle keeps the port.
    yield* machine.objects.dereference(port.object);
    if (io.trace.on) io.trace.emit({ type: 'io.port.create', port: port.id, concurrency: port.maximumCount });
    // A fault here (the caller freed the memory meanwhile) leaves the handle open, as on Windows.
    return writeOutput(machine, thread, a.handleOut, handle);
  };
}
