import { IO_NO_INCREMENT, IRP_MJ } from '@irpsim/io-manager';
import { hello } from '../hello.ts';
import { twinOf } from './twinOf.ts';

/**
 * `hello` whose IOCTL routine completes its IRP a second time (IO-5.16): one added line,
 * `IoCompleteRequest(Irp, IO_NO_INCREMENT)` after the correct routine's own. The second
 * call finds an IRP that is no longer the driver's: bug check 0x44
 * MULTIPLE_IRP_COMPLETE_REQUESTS, at every verifier level (lesson `bug-double-complete`).
 */
export const helloDoubleComplete = twinOf(hello, {
  name: 'hello-double-complete',
  description: 'Buggy twin of hello: completes each IOCTL twice (bug check 0x44)',
  major: IRP_MJ.DEVICE_CONTROL,
  routine: (correct) =>
    function* (k, device, irp) {
      const status = yield* correct(k, device, irp);
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT); // the bug: the IRP was completed already
      return status;
    },
});
