import { KEvent, Machine, firstCome, setEvent, waitForObjects, type Routine, type RunResult, type Strategy } from '@irpsim/core';
import { IoManager, Win32, type DriverEntry, type IoManagerOptions } from '../../src/index.ts';

/** One user thread of the app: it waits on its doorbell for the next job. */
interface Runner {
  readonly doorbell: KEvent;
  job: ((u: Win32) => Routine<unknown>) | null;
  result: unknown;
  idle: boolean;
}

/**
 * A machine with one process, `app`, whose user threads (`threads`, default 1) run jobs
 * handed to them from outside, one at a time: `exec` rings a thread's doorbell and steps
 * the engine until that thread is back waiting for the next job. A model-based test can so
 * run each command to its end and compare the machine with its model before choosing the
 * next one (fc.modelRun is synchronous; the simulation runs step by step underneath it).
 */
export class SteppedApp {
  readonly machine: Machine;
  readonly io: IoManager;
  private readonly runners: Runner[] = [];

  constructor(drivers: Record<string, DriverEntry>, options: IoManagerOptions & { strategy?: Strategy; threads?: number } = {}) {
    this.machine = new Machine({ strategy: options.strategy ?? firstCome() });
    this.machine.trace.record();
    this.io = new IoManager(this.machine, options);
    const { machine, io, runners } = this;
    for (let i = 0; i < (options.threads ?? 1); i++) runners.push({ doorbell: new KEvent('synchronization'), job: null, result: undefined, idle: false });
    machine.createSystemThread('boot', function* () {
      for (const [name, entry] of Object.entries(drivers)) yield* io.loadDriver(name, entry);
      const process = machine.createProcess('app');
      runners.forEach((runner, i) => {
        machine.createThread(process, i === 0 ? 'app' : `app ${i}`, function* (thread) {
          const u = new Win32(io, thread);
          for (;;) {
            runner.idle = true;
            yield* waitForObjects(machine.engine, thread, [runner.doorbell]);
            const job = runner.job;
            runner.job = null;
            if (job === null) return;
            runner.result = yield* job(u);
          }
        });
      });
    });
    this.settle((r) => r.every((runner) => runner.idle));
  }

  /** Runs `job` in user thread `thread` (0: `app`) to its end and returns what it returned. */
  exec<T>(job: (u: Win32) => Routine<T>, thread = 0): T {
    const runner = this.runners[thread]!;
    runner.idle = false;
    runner.job = job;
    setEvent(this.machine.engine, runner.doorbell);
    this.settle(() => runner.idle);
    return runner.result as T;
  }

  /** Lets every user thread return, and runs the machine to its end (thread exits, what is left). */
  end(): RunResult {
    for (const runner of this.runners) {
      runner.idle = false;
      runner.job = null;
      setEvent(this.machine.engine, runner.doorbell);
    }
    return this.machine.engine.run();
  }

  private settle(done: (runners: Runner[]) => boolean): void {
    const engine = this.machine.engine;
    while (!done(this.runners)) {
      if (!engine.step()) {
        const result = engine.getResult();
        throw new Error(`the run ended before the job did: ${result.outcome}: ${result.reason}`);
      }
    }
  }
}
