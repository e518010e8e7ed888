import { BLOCK, type Routine } from '../Task.ts';
import { irqlName } from './Irql.ts';
import type { KInterrupt } from './KInterrupt.ts';
import type { Processors } from './Processors.ts';

/**
 * KeSynchronizeExecution: runs `routine` (a SynchCritSection routine) at the interrupt's
 * DIRQL holding its spin lock, so it never overlaps the ISR on any CPU (C32). The caller
 * must be at or below the interrupt's DIRQL.
 */
export function* synchronizeExecution<T>(cpus: Processors, interrupt: KInterrupt, routine: () => Routine<T>): Routine<T> {
  const task = cpus.runningTask();
  if (task.irql > interrupt.irql) {
    cpus.stop(
      { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [0x30, task.irql, interrupt.irql, 0] },
      { code: 0x9, name: 'IRQL_NOT_GREATER_OR_EQUAL', params: [task.irql, interrupt.irql, 0, 0] },
      `KeSynchronizeExecution(${interrupt.name}) at ${irqlName(task.irql)}, above the interrupt's ${irqlName(interrupt.irql)}`,
    );
  }
  const old = cpus.raiseIrql(interrupt.irql);
  yield 0;
  while (interrupt.heldBy !== null) {
    interrupt.spinners.push(task);
    cpus.spinners.add(task);
    yield BLOCK;
    cpus.spinners.delete(task);
  }
  interrupt.heldBy = cpus.current;
  try {
    return yield* routine();
  } finally {
    interrupt.heldBy = null;
    for (const spinner of interrupt.spinners.splice(0)) cpus.wakeSpinner(spinner);
    cpus.lowerIrql(old);
  }
}
