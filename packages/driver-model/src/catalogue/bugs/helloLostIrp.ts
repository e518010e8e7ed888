import { IRP_MJ } from '@irpsim/io-manager';
import { hello } from '../hello.ts';
import { twinOf, withDdis } from './twinOf.ts';

/**
 * `hello` whose IOCTL routine lacks one line, its `IoCompleteRequest`: it sets IoStatus
 * and returns STATUS_SUCCESS, but nobody ever completes the IRP and the caller would wait
 * for ever (IO-5.14 d). The verifier stops it when the routine returns: 0xC9/0x226
 * (lesson `bug-lost-irp`).
 */
export const helloLostIrp = twinOf(hello, {
  name: 'hello-lost-irp',
  description: 'Buggy twin of hello: returns STATUS_SUCCESS without completing the IOCTL (0xC9/0x226)',
  major: IRP_MJ.DEVICE_CONTROL,
  // The bug: the routine's IoCompleteRequest line is gone.
  routine: (correct) => (k, device, irp) => correct(withDdis(k, { *IoCompleteRequest() {} }), device, irp),
});
