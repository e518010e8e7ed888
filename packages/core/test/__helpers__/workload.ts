import fc from 'fast-check';
import { BLOCK, Engine, PRIORITY, type Routine, type Strategy, type Task } from '../../src/index.ts';

/** One operation of a generated task. */
export type Op =
  | { op: 'delay'; ns: number }
  | { op: 'wake'; target: number; delay: number }
  | { op: 'block' }
  | { op: 'spawn'; priority: number; delay: number; steps: number };

export interface TaskSpec {
  readonly priority: number;
  readonly delay: number;
  readonly keepAlive: boolean;
  readonly ops: readonly Op[];
}

/**
 * Workloads with real choices: several tasks start at the same instant, delays are
 * drawn from a small set so many steps coincide, and tasks wake each other.
 */
export const workload = (): fc.Arbitrary<TaskSpec[]> =>
  fc.array(
    fc.record({
      priority: fc.constantFrom(PRIORITY.interrupt, PRIORITY.dpc, PRIORITY.thread, PRIORITY.thread),
      delay: fc.constantFrom(0, 0, 1, 5),
      keepAlive: fc.boolean(),
      ops: fc.array(
        fc.oneof(
          fc.record({ op: fc.constant('delay' as const), ns: fc.constantFrom(0, 0, 1, 3, 10) }),
          fc.record({ op: fc.constant('wake' as const), target: fc.nat(7), delay: fc.constantFrom(0, 2) }),
          fc.record({ op: fc.constant('block' as const) }),
          fc.record({
            op: fc.constant('spawn' as const),
            priority: fc.constantFrom(PRIORITY.dpc, PRIORITY.thread),
            delay: fc.constantFrom(0, 1),
            steps: fc.integer({ min: 1, max: 3 }),
          }),
        ),
        { maxLength: 8 },
      ),
    }),
    { minLength: 2, maxLength: 8 },
  );

/** What a run of a workload looked like: every step as (time, priority, seq, task). */
export interface Observed {
  readonly steps: { t: number; prio: number; seq: number; task: string }[];
  readonly result: ReturnType<Engine['run']>;
  readonly traceJson: string;
}

export function runWorkload(specs: readonly TaskSpec[], strategy: Strategy, maxSteps = 2_000): Observed {
  const engine = new Engine({ strategy, budget: { maxSteps } });
  engine.trace.record();
  const steps: Observed['steps'] = [];
  const tasks: Task[] = [];
  const note = (task: Task): void => {
    steps.push({ t: engine.now, prio: task.prio, seq: task.seq, task: task.name });
  };
  function* body(name: string, ops: readonly Op[]): Routine<void> {
    const self = engine.current!;
    note(self);
    for (const op of ops) {
      if (op.op === 'delay') yield op.ns;
      else if (op.op === 'block') yield BLOCK;
      else if (op.op === 'wake') {
        const target = tasks[op.target % tasks.length];
        if (target !== undefined && target.state === 'blocked') engine.wake(target, undefined, op.delay);
        yield 0;
      } else {
        const n = op.steps;
        engine.spawn(
          (function* () {
            note(engine.current!);
            for (let i = 0; i < n; i++) {
              yield 1;
              note(engine.current!);
            }
          })(),
          { kind: 'dpc', name: `${name}.child`, priority: op.priority, delay: op.delay },
        );
        yield 0;
      }
      note(self);
    }
  }
  specs.forEach((spec, i) => {
    tasks.push(
      engine.spawn(body(`t${i}`, spec.ops), {
        kind: 'thread',
        name: `t${i}`,
        priority: spec.priority,
        keepAlive: spec.keepAlive,
        delay: spec.delay,
      }),
    );
  });
  const result = engine.run();
  return { steps, result, traceJson: JSON.stringify(engine.trace.events) };
}
