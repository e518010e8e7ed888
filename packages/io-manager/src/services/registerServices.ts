import type { IoManager } from '../IoManager.ts';
import { NtCreateFile } from './NtCreateFile.ts';
import { NtDeviceIoControlFile } from './NtDeviceIoControlFile.ts';

/** Fills the I/O part of the system service table. */
export function registerServices(io: IoManager): void {
  io.machine.registerService('NtCreateFile', NtCreateFile(io));
  io.machine.registerService('NtDeviceIoControlFile', NtDeviceIoControlFile(io));
}
