import { Machine, firstCome, type Routine, type Strategy } from '@irpsim/core';
import { IoManager, Win32, type DriverEntry, type IoManagerOptions } from '../../src/index.ts';

export interface HarnessOptions extends IoManagerOptions {
  readonly strategy?: Strategy;
  readonly drivers: Record<string, DriverEntry>;
  /** User threads, each run in its own process unless `process` names a shared one. */
  readonly threads: { name: string; process?: string; body: (u: Win32) => Routine<unknown> }[];
}

/**
 * Boots a machine with drivers loaded at boot by a system thread, then starts the user
 * threads: the same order a scenario run uses.
 */
export function boot(options: HarnessOptions) {
  const machine = new Machine({ strategy: options.strategy ?? firstCome() });
  machine.trace.record();
  const io = new IoManager(machine, options);
  const results: Record<string, unknown> = {};
  machine.createSystemThread('boot', function* () {
    for (const [name, entry] of Object.entries(options.drivers)) yield* io.loadDriver(name, entry);
    const processes = new Map<string, ReturnType<Machine['createProcess']>>();
    for (const t of options.threads) {
      const pname = t.process ?? t.name;
      let process = processes.get(pname);
      if (process === undefined) processes.set(pname, (process = machine.createProcess(pname)));
      machine.createThread(process, t.name, function* (thread) {
        results[t.name] = yield* t.body(new Win32(io, thread));
      });
    }
  });
  const result = machine.engine.run();
  return { machine, io, result, results, events: machine.trace.events };
}
