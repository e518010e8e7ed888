import { Machine, firstCome, type Routine, type Strategy, type Thread } from '../../src/index.ts';

/** A machine with user threads (each in its own process unless `process` is shared) that call services directly. */
export function runThreads(
  threads: { name: string; process?: string; delay?: number; body: (m: Machine, t: Thread, scratch: (n: number) => number) => Routine<unknown> }[],
  options: { strategy?: Strategy; setup?: (m: Machine) => void } = {},
) {
  const machine = new Machine({ strategy: options.strategy ?? firstCome() });
  machine.trace.record();
  options.setup?.(machine);
  const processes = new Map<string, ReturnType<Machine['createProcess']>>();
  const results: Record<string, unknown> = {};
  const created: Record<string, Thread> = {};
  for (const t of threads) {
    const pname = t.process ?? t.name;
    let process = processes.get(pname);
    if (process === undefined) processes.set(pname, (process = machine.createProcess(pname)));
    const p = process;
    created[t.name] = machine.createThread(
      p,
      t.name,
      function* (thread) {
        const scratch = (n: number) => machine.memory.allocateUser(p.space, n)!;
        results[t.name] = yield* t.body(machine, thread, scratch);
      },
      t.delay !== undefined ? { delay: t.delay } : {},
    );
  }
  const result = machine.engine.run();
  return { machine, result, results, threads: created, events: machine.trace.events };
}

/** Reads a 32-bit output the kernel wrote into a thread's memory. */
export const out = (m: Machine, t: Thread, address: number): number => m.memory.readU32(t.process.space, address, 'user');
