import { IRP_MJ } from '@irpsim/io-manager';
import { slow } from '../slow.ts';
import { twinOf, withDdis } from './twinOf.ts';

/**
 * `slow` whose IOCTL routine lacks its `IoMarkIrpPending(Irp)` line: it queues the IRP and
 * returns STATUS_PENDING, and a timer DPC completes it 10 µs later (IO-5.14 b). Enhanced
 * I/O verification records 0xC9/0x23D and the run goes on, so the lesson
 * `bug-pending-not-marked` shows what the caller sees without SL_PENDING_RETURNED.
 */
export const slowPendingUnmarked = twinOf(slow, {
  name: 'slow-pending-unmarked',
  description: 'Buggy twin of slow: returns STATUS_PENDING without IoMarkIrpPending (0xC9/0x23D)',
  major: IRP_MJ.DEVICE_CONTROL,
  // The bug: the routine's IoMarkIrpPending line is gone.
  routine: (correct) => (k, device, irp) => correct(withDdis(k, { IoMarkIrpPending() {} }), device, irp),
});
