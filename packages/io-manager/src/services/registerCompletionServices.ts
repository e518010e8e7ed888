import type { IoManager } from '../IoManager.ts';
import { NtCreateIoCompletion } from './NtCreateIoCompletion.ts';
import { NtQueryInformationFile } from './NtQueryInformationFile.ts';
import { NtRemoveIoCompletion } from './NtRemoveIoCompletion.ts';
import { NtRemoveIoCompletionEx } from './NtRemoveIoCompletionEx.ts';
import { NtSetInformationFile } from './NtSetInformationFile.ts';
import { NtSetIoCompletion } from './NtSetIoCompletion.ts';

/** The services of completion ports and of the file-information classes that configure them. */
export function registerCompletionServices(io: IoManager): void {
  io.machine.registerService('NtCreateIoCompletion', NtCreateIoCompletion(io));
  io.machine.registerService('NtSetIoCompletion', NtSetIoCompletion(io));
  io.machine.registerService('NtRemoveIoCompletion', NtRemoveIoCompletion(io));
  io.machine.registerService('NtRemoveIoCompletionEx', NtRemoveIoCompletionEx(io));
  io.machine.registerService('NtSetInformationFile', NtSetInformationFile(io));
  io.machine.registerService('NtQueryInformationFile', NtQueryInformationFile(io));
}
