import { STATUS, statusName, type KEvent } from '@irpsim/core';
import { IO_NO_INCREMENT, IRP_MJ, type CompletionRoutine, type DispatchRoutine } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { attachFilter, lowerOf } from './filterHelpers.ts';

/**
 * Signals the dispatch routine waiting below and takes the IRP back: returning
 * STATUS_MORE_PROCESSING_REQUIRED stops the completion walk here (IO-5.12). It must not
 * call IoMarkIrpPending: the dispatch routine completes the IRP again itself.
 */
const wake: CompletionRoutine = function* (k, _device, irp, context) {
  k.DbgPrint(`completion routine: IRP ${irp.id} is back (PendingReturned ${irp.pendingReturned ? 'TRUE' : 'FALSE'}); signals the event, returns STATUS_MORE_PROCESSING_REQUIRED`);
  k.KeSetEvent(context as KEvent, IO_NO_INCREMENT, false);
  yield* k.schedulingPoint();
  return STATUS.MORE_PROCESSING_REQUIRED;
};

/**
 * Forward and wait (the classic resynchronisation): IoCopyCurrentIrpStackLocationToNext,
 * IoSetCompletionRoutine, IoCallDriver; if the lower driver pended, wait for the event;
 * then the IRP is ours again: look at the result, complete it, return its real status.
 */
const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const event = k.KeInitializeEvent('notification', false);
  k.IoCopyCurrentIrpStackLocationToNext(irp);
  k.IoSetCompletionRoutine(irp, wake, event, true, true, true);
  let status = yield* k.IoCallDriver(lowerOf(device), irp);
  if (status === STATUS.PENDING) {
    k.DbgPrint(`the lower driver returned STATUS_PENDING: KeWaitForSingleObject on the event, in the caller's thread`);
    yield* k.KeWaitForSingleObject(event, 'KernelMode', false, null);
    status = irp.ioStatus.status;
  }
  k.DbgPrint(`owns IRP ${irp.id} again after the lower drivers: ${statusName(status)}, Information = ${irp.ioStatus.information}; completes it`);
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
};

/** A filter that makes every IOCTL synchronous again: forward, wait for the event, complete. */
export const resyncFilter = defineDriver({
  name: 'resync-filter',
  description: 'Filter attached on top of \\Device\\Slow\'s stack: forwards each IOCTL, waits on an event its completion routine sets (STATUS_MORE_PROCESSING_REQUIRED), completes it again (load after slow)',
  serviceName: 'ResyncFilter',
  *DriverEntry(k, driver) {
    return yield* attachFilter(k, driver, '\\Device\\Slow', { [IRP_MJ.DEVICE_CONTROL]: deviceControl });
  },
});
