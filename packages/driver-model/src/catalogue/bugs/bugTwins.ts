import type { DriverDefinition } from '../../defineDriver.ts';
import { cancelable } from './cancelable.ts';
import { cancelableRace } from './cancelableRace.ts';
import { cancelableRoutineSet } from './cancelableRoutineSet.ts';
import { helloDoubleComplete } from './helloDoubleComplete.ts';
import { helloLostIrp } from './helloLostIrp.ts';
import { helloStatusMismatch } from './helloStatusMismatch.ts';
import { methodsInfoOverflow } from './methodsInfoOverflow.ts';
import { methodsNeitherUnprobed } from './methodsNeitherUnprobed.ts';
import { slowPendingUnmarked } from './slowPendingUnmarked.ts';

/**
 * The buggy twins, each one line away from a correct catalogue driver, in `irpsim list
 * --drivers` order — preceded by `cancelable`, the correct driver with its own cancel
 * routine that the two cancel twins come from.
 */
export const bugTwins: readonly DriverDefinition[] = [
  helloDoubleComplete,
  helloLostIrp,
  helloStatusMismatch,
  slowPendingUnmarked,
  methodsInfoOverflow,
  methodsNeitherUnprobed,
  cancelable,
  cancelableRoutineSet,
  cancelableRace,
];
