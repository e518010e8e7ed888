import { STATUS } from '@irpsim/core';
import { IO_NO_INCREMENT, type DispatchRoutine, type IrpRef, type Kernel } from '@irpsim/io-manager';

/** CREATE, CLEANUP and CLOSE of a driver with nothing to do for them: succeed. */
export const succeed: DispatchRoutine = function* (k, _device, irp) {
  irp.ioStatus.status = STATUS.SUCCESS;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return STATUS.SUCCESS;
};

/** Completes `irp` with `status` and `information` (bytes returned; none by default), and returns the status. */
export function* finish(k: Kernel, irp: IrpRef, status: number, information = 0) {
  irp.ioStatus.status = status;
  irp.ioStatus.information = information;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
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
