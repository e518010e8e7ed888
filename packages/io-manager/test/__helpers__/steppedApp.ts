import { KEvent, Machine, firstCome, setEvent, waitForObjects, type Routine, type RunResult, type Strategy } from '@irpsim/core';
import { IoManager, Win32, type DriverEntry, type IoManagerOptions } from '../../src/index.ts';

/**
 * A machine with one user thread, `app`, that runs jobs handed to it from outside, one at
 * a time: `exec` rings the thread's doorbell and steps the engine until the thread is back
 * waiting for the next job. A model-based test can so run each command to its end and
 * compare the machine with its model before choosing the next one (fc.modelRun is
 * synchronous; the simulation runs step by step underneath it).
 */
export class SteppedApp {
  readonly machine: Machine;
  readonly io: IoManager;
  private readonly doorbell = new KEvent('synchronization');
  private job: ((u: Win32) => Routine<unknown>) | null = null;
  private result: unknown = undefined;
  private idle = false;

  constructor(drivers: Record<string, DriverEntry>, options: IoManagerOptions & { strategy?: Strategy } = {}) {
    this.machine = new Machine({ strategy: options.strategy ?? firstCome() });
    this.machine.trace.record();
    this.io = new IoManager(this.machine, options);
    const { machine, io } = this;
    const app = this;
    machine.createSystemThread('boot', function* () {
      for (const [name, entry] of Object.entries(drivers)) yield* io.loadDriver(name, entry);
      machine.createThread(machine.createProcess('app'), 'app', function* (thread) {
        const u = new Win32(io, thread);
        for (;;) {
          app.idle = true;
          yield* waitForObjects(machine.engine, thread, [app.doorbell]);
          const job = app.job;
          app.job = null;
          if (job === null) return;
          app.result = yield* job(u);
        }
      });
    });
    this.settle();
  }

  /** Runs `job` in the app thread to its end and returns what it returned. */
  exec<T>(job: (u: Win32) => Routine<T>): T {
    this.idle = false;
    this.job = job;
    setEvent(this.machine.engine, this.doorbell);
    this.settle();
    return this.result as T;
  }

  /** Lets the app thread return, and runs the machine to its end (thread exit, what is left). */
  end(): RunResult {
    this.idle = false;
    this.job = null;
    setEvent(this.machine.engine, this.doorbell);
    return this.machine.engine.run();
  }

  private settle(): void {
    const engine = this.machine.engine;
    while (!this.idle) {
      if (!engine.step()) {
        const result = engine.getResult();
        throw new Error(`the run ended before the job did: ${result.outcome}: ${result.reason}`);
      }
    }
  }
}
