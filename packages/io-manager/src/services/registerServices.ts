import type { IoManager } from '../IoManager.ts';
import { registerCancellation } from '../registerCancellation.ts';
import { registerCompletionServices } from './registerCompletionServices.ts';
import { NtCreateFile } from './NtCreateFile.ts';
import { NtQueryObject } from './NtQueryObject.ts';
import { NtDeviceIoControlFile } from './NtDeviceIoControlFile.ts';
import { NtReadFile } from './NtReadFile.ts';
import { NtWriteFile } from './NtWriteFile.ts';

/** Fills the I/O part of the system service table. */
export function registerServices(io: IoManager): void {
  io.machine.registerService('NtCreateFile', NtCreateFile(io));
  io.machine.registerService('NtQueryObject', NtQueryObject(io)); // objects: a file's name (IO-9.9)
  registerCancellation(io); // cancellation: NtCancelIoFile(Ex), NtCancelSynchronousIoFile, thread exit
  io.machine.registerService('NtDeviceIoControlFile', NtDeviceIoControlFile(io));
  io.machine.registerService('NtReadFile', NtReadFile(io));
  io.machine.registerService('NtWriteFile', NtWriteFile(io));
  registerCompletionServices(io); // completion ports: NtCreateIoCompletion … NtSetInformationFile
}
