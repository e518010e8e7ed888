import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChoiceLog } from '../src/ChoiceLog.ts';
import type { Task } from '../src/Task.ts';
import { TaskFifo } from '../src/TaskFifo.ts';

/** Distinct stand-ins for tasks: the FIFO only compares identities. */
const tasks = Array.from({ length: 200 }, (_, id) => ({ id }) as unknown as Task);

type Op = { push: number } | { removeAt: number } | { shift: true } | { clear: true };

describe('the ready bucket (TaskFifo, a ring buffer)', () => {
  it('behaves as an array under any sequence of pushes, removals and clears, across wrap-around and growth', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.nat(199).map((push) => ({ push })) },
      { weight: 3, arbitrary: fc.nat(40).map((removeAt) => ({ removeAt })) },
      { weight: 1, arbitrary: fc.constant({ shift: true as const }) },
      { weight: 1, arbitrary: fc.constant({ clear: true as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const fifo = new TaskFifo();
        const model: Task[] = [];
        for (const o of ops) {
          if ('push' in o) {
            fifo.push(tasks[o.push]!);
            model.push(tasks[o.push]!);
          } else if ('clear' in o) {
            fifo.clear();
            model.length = 0;
          } else if (model.length > 0) {
            // Both removals hand back the task they took out.
            const i = 'shift' in o ? 0 : o.removeAt % model.length;
            expect('shift' in o ? fifo.shift() : fifo.removeAt(i)).toBe(model[i]);
            model.splice(i, 1);
          }
          expect(fifo.length).toBe(model.length);
        }
        expect(fifo.toArray()).toEqual(model);
        model.forEach((task, i) => expect(fifo.at(i)).toBe(task));
        expect(fifo.at(model.length)).toBeUndefined();
        for (const task of tasks.slice(0, 20)) expect(fifo.indexOf(task)).toBe(model.indexOf(task));
      }),
    );
  });
});

describe('the choice log', () => {
  it('gives back every pick in order, past its first growth', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(100_000), { minLength: 0, maxLength: 1000 }), (picks) => {
        const log = new ChoiceLog();
        for (const pick of picks) log.push(pick);
        expect(log.length).toBe(picks.length);
        expect(log.toArray()).toEqual(picks);
      }),
    );
  });

  it('gives back every pick in order when most are zeros, as they mostly are (runs of zeros are kept as counts)', () => {
    // Runs of zeros of every length between other picks, at the start, at the end, and past the entries' growth.
    const run = fc.tuple(fc.nat(300), fc.nat(5)).map(([zeros, pick]) => [...new Array<number>(zeros).fill(0), pick]);
    fc.assert(
      fc.property(fc.array(run, { maxLength: 400 }), fc.nat(300), (runs, trailing) => {
        const picks = [...runs.flat(), ...new Array<number>(trailing).fill(0)];
        const log = new ChoiceLog();
        for (const pick of picks) log.push(pick);
        expect(log.length).toBe(picks.length);
        expect(log.toArray()).toEqual(picks);
      }),
    );
  });
});
