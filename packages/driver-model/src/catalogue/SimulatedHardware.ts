import { PRIORITY, type KInterrupt, type Machine } from '@irpsim/core';
import type { Kernel } from '@irpsim/io-manager';

/**
 * A simulated device's hardware: registers the driver reads and writes, and a clock of its
 * own. It is not driver code — it sits on the machine, beside the CPUs — so it reaches the
 * engine, where driver routines only reach the Kernel. Every delay it takes is simulated
 * time, and a delay drawn from several possibilities is a `latency` choice point, so a
 * seed (or an explorer) picks it and a replay repeats it.
 */
export class SimulatedHardware<R extends object> {
  /** The device's registers, as the driver sees them through READ_REGISTER_* / WRITE_REGISTER_*. */
  readonly registers: R;
  private readonly machine: Machine;
  private readonly name: string;

  constructor(k: Kernel, name: string, registers: R) {
    this.machine = k._machine;
    this.name = name;
    this.registers = registers;
  }

  /** Runs `work` after `ns` nanoseconds of device time (a hardware event, not a routine of the driver). */
  after(ns: number, work: () => void): void {
    this.machine.engine.spawn(
      (function* () {
        work();
      })(),
      { kind: 'internal', name: `${this.name} hardware`, actor: 'hardware', priority: PRIORITY.interrupt, delay: ns },
    );
  }

  /** One of `choices` nanoseconds, drawn through the scheduler (a `latency` choice). */
  latency(choices: readonly number[]): number {
    return choices[this.machine.engine.choose(choices.length, 'latency')]!;
  }

  /** Raises the device's interrupt line: the ISR runs after the cost model's interrupt latency. */
  interrupt(interrupt: KInterrupt): void {
    this.machine.raiseInterrupt(interrupt);
  }
}
