import { SimException, STATUS, waitForObjects, type NtStatus, type Routine, type Thread } from '@irpsim/core';
import type { CompletionPacket, IoCompletion } from '../IoCompletion.ts';
import type { IoManager } from '../IoManager.ts';

/**
 * KeRemoveQueue for NtRemoveIoCompletion(Ex): the thread is associated with the port
 * (leaving its previous one), then takes the oldest packet, waiting up to `timeoutNs`
 * (null = forever) through the engine's wait. Returns the packet, or the status that
 * ended the wait: STATUS_TIMEOUT, STATUS_USER_APC, STATUS_ABANDONED_WAIT_0 (the port's
 * last handle was closed). An alertable removal takes a queued packet without running
 * user APCs, and runs them only when it would otherwise wait (IO-7.17).
 */
export function* removeFromPort(io: IoManager, thread: Thread, port: IoCompletion, timeoutNs: number | null, alertable: boolean): Routine<CompletionPacket | NtStatus> {
  const engine = io.machine.engine;
  const mode = thread.previousMode;
  io.completionPorts.associate(thread, port);
  let status = yield* waitForObjects(engine, thread, port.waitList, { timeoutNs: alertable ? 0 : timeoutNs, mode });
  if (alertable && status === STATUS.TIMEOUT) {
    status = yield* waitForObjects(engine, thread, port.waitList, { timeoutNs, mode, alertable: true });
  }
  if (status !== STATUS.WAIT_0) return status;
  return port.take(thread) ?? STATUS.ABANDONED_WAIT_0;
}

/**
 * Hands a removed packet to the caller: its key, ApcContext and {Status, Information}
 * (an IOSB) at the given addresses, traced. The writes run under the service's exception
 * handler — the caller may have freed the memory while it waited: the exception's code is
 * returned and the packet is lost, as on Windows.
 */
export function writePacket(io: IoManager, thread: Thread, port: IoCompletion, packet: CompletionPacket, keyAt: number, contextAt: number, iosbAt: number): NtStatus {
  if (io.trace.on) io.trace.emit({ type: 'io.port.remove', port: port.id, tid: thread.id, ...packet });
  const memory = io.machine.memory;
  const space = thread.process.space;
  try {
    memory.writeU32(space, keyAt, packet.key, 'kernel');
    memory.writeU32(space, contextAt, packet.apcContext, 'kernel');
    memory.writeU32(space, iosbAt, packet.status, 'kernel');
    memory.writeU32(space, iosbAt + 4, packet.information, 'kernel');
  } catch (error) {
    if (SimException.is(error)) return error.code;
    throw error;
  }
  return STATUS.SUCCESS;
}
