import type { Machine } from './Machine.ts';
import type { NtStatus } from './ntstatus.ts';
import type { SystemServiceName } from './SystemServices.ts';
import type { Routine } from './Task.ts';
import type { Thread } from './Thread.ts';

/**
 * `Machine.systemCall` written out as a state machine rather than a generator: the same
 * steps, values and exceptions as the generator below, without a generator frame and a
 * result object per resumption on the path of every system call (docs/performance.md,
 * optimisation log). Run by the engine as a frame of its own (`engine.callWith`), which
 * reads its one, reused, result object before the next resumption; its last yield hands
 * the engine its return value too (`Engine.lastEffect`), and its entry's yield the service,
 * to start at the next step (`Engine.callNext`).
 *
 *     const thread = machine.currentThread();
 *     const service = machine.enterSystemCall(thread, name);   // the trap
 *     yield machine.cost.syscallEntry;
 *     const status = ((yield engine.call(service(machine, thread, args))) as NtStatus) >>> 0;
 *     const apcs = machine.leaveSystemCall(thread, name, status); // back to user mode
 *     if (apcs !== null) yield* apcs;
 *     yield machine.cost.syscallExit;
 *     return status;
 */
export class SystemCall {
  /**
   * Where it is: 0 START, 2 IN_SERVICE, 3 APCS, 5 ENDED (the exit's yield ends it). Literals
   * where they are used, each named in a comment: V8 does not fold a module's constants into
   * the code using them (see Memory.pte).
   */
  private state = 0 /* START */;
  private thread: Thread | null = null;
  private status: NtStatus = 0;
  private apcs: Routine<void> | null = null;
  private readonly result: { value: unknown; done: boolean } = { value: 0, done: false };
  private readonly machine: Machine;
  private readonly name: SystemServiceName;
  private readonly args: unknown;

  constructor(machine: Machine, name: SystemServiceName, args: unknown) {
    this.machine = machine;
    this.name = name;
    this.args = args;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<number, NtStatus> {
    const machine = this.machine;
    const state = this.state;
    this.state = 5 /* ENDED */;
    switch (state) {
      case 0 /* START */: {
        const thread = machine.currentThread();
        this.thread = thread;
        const service = machine.enterSystemCall(thread, this.name);
        // The service starts at the next step, as an engine call made with the entry's yield (Engine.callNext).
        const routine = service(machine, thread, this.args as never);
        machine.engine.callNext(routine, routine.next);
        this.state = 2 /* IN_SERVICE */;
        return this.yielded(machine.cost.syscallEntry);
      }
      case 2 /* IN_SERVICE */: {
        const status = (value as NtStatus) >>> 0;
        this.status = status;
        const apcs = machine.leaveSystemCall(this.thread!, this.name, status);
        if (apcs === null) return this.exit();
        this.apcs = apcs;
        return this.delivered(apcs.next(undefined));
      }
      case 3 /* APCS */:
        return this.delivered(this.apcs!.next(value));
      default:
        return { value: undefined as never, done: true };
    }
  }

  throw(error: unknown): IteratorResult<number, NtStatus> {
    const state = this.state;
    this.state = 5 /* ENDED */;
    if (state === 3 /* APCS */) return this.delivered(this.apcs!.throw(error));
    throw error;
  }

  return(value: NtStatus): IteratorResult<number, NtStatus> {
    if (this.state === 3 /* APCS */) {
      const inner = this.apcs!.return(undefined);
      if (inner.done !== true) return inner as IteratorResult<number, NtStatus>;
    }
    this.state = 5 /* ENDED */;
    return { value, done: true };
  }

  /** `yield* apcs`, then the exit. */
  private delivered(inner: IteratorResult<number, void>): IteratorResult<number, NtStatus> {
    if (inner.done !== true) {
      this.state = 3 /* APCS */;
      return inner as IteratorResult<number, NtStatus>;
    }
    this.apcs = null;
    return this.exit();
  }

  /** `yield syscallExit; return status`, the return handed to the engine with the yield (Engine.lastEffect). */
  private exit(): IteratorResult<number, NtStatus> {
    const machine = this.machine;
    return this.yielded(machine.engine.lastEffect(machine.cost.syscallExit, this.status));
  }

  private yielded(effect: number): IteratorResult<number, NtStatus> {
    const result = this.result;
    result.value = effect;
    result.done = false;
    return result as IteratorResult<number, NtStatus>;
  }
}
