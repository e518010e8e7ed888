import { STATUS } from '@irpsim/core';
import { IRP_MJ } from '@irpsim/io-manager';
import { hello } from '../hello.ts';
import { twinOf } from './twinOf.ts';

/**
 * `hello` whose IOCTL routine ends with `return STATUS_SUCCESS;` instead of `return status;`:
 * a refused request (the output buffer too small) is completed with
 * STATUS_BUFFER_TOO_SMALL, yet the routine tells its caller it succeeded (IO-5.14 c).
 * The verifier stops it: 0xC9/0x224 (lesson `bug-status-mismatch`).
 */
export const helloStatusMismatch = twinOf(hello, {
  name: 'hello-status-mismatch',
  description: 'Buggy twin of hello: returns STATUS_SUCCESS whatever status it completed with (0xC9/0x224)',
  major: IRP_MJ.DEVICE_CONTROL,
  routine: (correct) =>
    function* (k, device, irp) {
      yield* correct(k, device, irp);
      return STATUS.SUCCESS; // the bug: the correct routine returns the status it completed with
    },
});
