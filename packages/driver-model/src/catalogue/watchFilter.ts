import { STATUS, statusName } from '@irpsim/core';
import { IRP_MJ, type CompletionRoutine, type DispatchRoutine } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { attachFilter, lowerOf } from './filterHelpers.ts';

/**
 * The completion routine every pass-through filter that sets one must have: it looks at
 * the result and, because it returns STATUS_CONTINUE_COMPLETION, propagates the pending
 * bit — `if (Irp->PendingReturned) IoMarkIrpPending(Irp)` (IO-5.13).
 */
const watched: CompletionRoutine = function* (k, _device, irp) {
  k.DbgPrint(`completion routine sees IRP ${irp.id}: ${statusName(irp.ioStatus.status)}, Information = ${irp.ioStatus.information}`);
  if (irp.pendingReturned) {
    k.IoMarkIrpPending(irp);
    k.DbgPrint('PendingReturned is TRUE: IoMarkIrpPending, so the driver above learns the request pended');
  }
  yield* k.schedulingPoint();
  return STATUS.SUCCESS; // STATUS_CONTINUE_COMPLETION
};

/** Copies its stack location to the next, sets the completion routine for every outcome, and returns what the lower driver returned. */
const deviceControl: DispatchRoutine = (k, device, irp) => {
  k.IoCopyCurrentIrpStackLocationToNext(irp);
  k.IoSetCompletionRoutine(irp, watched, null, true, true, true);
  return k.IoCallDriver(lowerOf(device), irp);
};

/** A filter above \Device\Slow whose completion routine watches each IOCTL and propagates pending. */
export const watchFilter = defineDriver({
  name: 'watch-filter',
  description: 'Filter attached above \\Device\\Slow: a completion routine that watches each IOCTL and propagates the pending bit (load after slow)',
  serviceName: 'WatchFilter',
  *DriverEntry(k, driver) {
    return yield* attachFilter(k, driver, '\\Device\\Slow', { [IRP_MJ.DEVICE_CONTROL]: deviceControl });
  },
});
