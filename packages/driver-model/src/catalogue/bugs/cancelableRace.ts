import { cancelableDriver } from './cancelable.ts';

/**
 * `cancelable` whose timer DPC clears the cancel routine but ignores what
 * IoSetCancelRoutine returned: NULL means IoCancelIrp took the routine already and the
 * cancel routine will complete the IRP (IO-6.3). Most schedules never show it; when the
 * DPC runs between IoCancelIrp taking the routine and the cancel routine taking the
 * driver's lock, both complete the IRP: bug check 0x44 (lesson `bug-cancel-race`).
 */
export const cancelableRace = cancelableDriver(
  'cancelable-race',
  'Buggy twin of cancelable: the DPC ignores that a cancellation owns the IRP (0x44 under some schedules)',
  (k, irp) => {
    k.IoSetCancelRoutine(irp, null); // the bug: its NULL (the cancel routine owns the IRP) is ignored
    return true;
  },
);
