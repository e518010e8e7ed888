import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { completeIrp, type DispatchRoutine, type IrpRef, type Kernel } from '@irpsim/io-manager';

/** CREATE, CLEANUP and CLOSE of a driver with nothing to do for them: succeed. */
export const succeed: DispatchRoutine = (k, _device, irp) => completeIrp(k, irp, STATUS.SUCCESS);

/** Completes `irp` with `status` and `information` (bytes returned; none by default), and returns the status. */
export function finish(k: Kernel, irp: IrpRef, status: number, information = 0): Routine<NtStatus> {
  return completeIrp(k, irp, status, information);
}

/** ASCII letters in upper case, other bytes as they are: an answer a reader can tell from its question. */
export function upperCase(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => (b >= 0x61 && b <= 0x7a ? b - 0x20 : b));
}

/** Bytes for a DbgPrint line: quoted text when printable, else hex. */
export function showBytes(bytes: Uint8Array): string {
  if (bytes.every((b) => b >= 0x20 && b < 0x7f && b !== 0x27)) return `'${String.fromCharCode(...bytes)}'`;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
