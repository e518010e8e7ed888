import { cancelableDriver } from './cancelable.ts';

/**
 * `cancelable` whose timer DPC never clears the cancel routine: its take-back line is
 * `true` instead of `IoSetCancelRoutine(Irp, NULL) != NULL`. It completes an IRP whose
 * cancel routine is still set — a routine that could run on an IRP that is gone (IO-5.17,
 * B10). The verifier stops it in IoCompleteRequest: 0xC9/0x07 (lesson
 * `bug-cancel-routine-set`).
 */
export const cancelableRoutineSet = cancelableDriver(
  'cancelable-routine-set',
  'Buggy twin of cancelable: the DPC completes without clearing the cancel routine (0xC9/0x07)',
  () => true, // the bug: the cancel routine stays set
);
