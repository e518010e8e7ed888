import { cancelThreadIo } from './cancelThreadIo.ts';
import type { IoManager } from './IoManager.ts';
import { NtCancelIoFile } from './services/NtCancelIoFile.ts';
import { NtCancelIoFileEx } from './services/NtCancelIoFileEx.ts';
import { NtCancelSynchronousIoFile } from './services/NtCancelSynchronousIoFile.ts';

/** The cancel services, and IoCancelThreadIo on the machine's thread-exit hook (IO-6.5). */
export function registerCancellation(io: IoManager): void {
  const machine = io.machine;
  machine.registerService('NtCancelIoFile', NtCancelIoFile(io));
  machine.registerService('NtCancelIoFileEx', NtCancelIoFileEx(io));
  machine.registerService('NtCancelSynchronousIoFile', NtCancelSynchronousIoFile(io));
  machine.threadExitHooks.push((thread) => cancelThreadIo(io, thread));
}
