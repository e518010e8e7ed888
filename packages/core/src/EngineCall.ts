import type { Engine } from './Engine.ts';
import type { Routine } from './Task.ts';

/**
 * `yield* engine.called(routine)` is `yield* routine` run as an engine call
 * (`Engine.call`): the same steps, the same value or exception back at the `yield*`, but
 * the routine runs as a frame of its own, so the generators of the `yield*` chain that
 * called it are suspended once and resumed once — not re-entered at each of its steps.
 * Every frame a resumption passes through saves and restores all its registers, and a
 * system call or an IoCallDriver takes several steps (docs/performance.md).
 *
 * Only for a routine the engine is running: the first `next` hands the routine to the
 * engine; the second receives its result.
 */
export class EngineCall<T> {
  private readonly routine: Routine<T>;
  private started = false;
  private readonly engine: Engine;
  private readonly result: { value: unknown; done: boolean } = { value: 0, done: false };

  constructor(engine: Engine, routine: Routine<T>) {
    this.engine = engine;
    this.routine = routine;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<number, T> {
    const result = this.result;
    if (this.started) {
      result.value = value;
      result.done = true;
    } else {
      this.started = true;
      const routine = this.routine;
      result.value = this.engine.callWith(routine, routine.next);
      result.done = false;
    }
    return result as IteratorResult<number, T>;
  }

  throw(error: unknown): IteratorResult<number, T> {
    this.started = true;
    throw error;
  }

  return(value: T): IteratorResult<number, T> {
    this.started = true;
    return { value, done: true };
  }
}
