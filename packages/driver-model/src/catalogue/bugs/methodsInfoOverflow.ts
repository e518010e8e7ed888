import { IRP_MJ, type IrpRef, type Kernel } from '@irpsim/io-manager';
import { methods } from '../methods.ts';
import { twinOf, withDdis } from './twinOf.ts';

/** The size of the reply the twin claims to return, whatever the caller's buffer: 64 bytes. */
export const METHODS_REPLY_SIZE = 64;

/**
 * `methods` with one line changed before it completes: `Irp->IoStatus.Information =
 * sizeof(REPLY)` (64) instead of the bytes it wrote. For METHOD_BUFFERED the I/O manager
 * copies Information bytes from the system buffer back to the caller (IO-3.3): past the
 * short system buffer that is kernel pool, disclosed to user mode. The verifier records
 * 0xC9/0x312 and the copy happens, as on Windows (lesson `bug-info-overflow`).
 */
export const methodsInfoOverflow = twinOf(methods, {
  name: 'methods-info-overflow',
  description: 'Buggy twin of methods: reports Information = 64 whatever the output length (0xC9/0x312, kernel memory disclosed)',
  major: IRP_MJ.DEVICE_CONTROL,
  routine: (correct) => (k, device, irp) =>
    correct(
      withDdis(k, {
        *IoCompleteRequest(this: void, request: IrpRef, boost: number) {
          request.ioStatus.information = METHODS_REPLY_SIZE; // the bug: not the bytes written
          yield* k.IoCompleteRequest(request, boost);
        },
      } as Partial<Kernel>),
      device,
      irp,
    ),
});
