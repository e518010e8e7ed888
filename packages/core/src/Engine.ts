import { BugCheckSignal, type BugCheckInfo } from './BugCheck.ts';
import { ChoiceLog } from './ChoiceLog.ts';
import { EngineCall } from './EngineCall.ts';
import { EventQueue } from './EventQueue.ts';
import { SimulationError } from './SimulationError.ts';
import type { SchedulingGate } from './SchedulingGate.ts';
import type { ChoiceKind, ScheduleOptions, Strategy } from './Strategy.ts';
import { BLOCK, PRIORITY, PRIORITY_LEVELS, type Frame, type Routine, type Task, type TaskKind } from './Task.ts';
import { Trace } from './Trace.ts';
import type { TraceEvent } from './TraceEvent.ts';

/** How a run ended (design.md §3). */
export type Outcome = 'completed' | 'bugcheck' | 'deadlock' | 'budget-exhausted';

export interface Budget {
  /** Most steps a run may take. */
  readonly maxSteps: number;
  /** Latest simulated time, in nanoseconds. */
  readonly maxTimeNs: number;
  /**
   * How long user threads may all stay blocked while only background work (hardware,
   * periodic timers, polling threads) runs, before the run is declared a deadlock.
   */
  readonly idleNs: number;
}

export const DEFAULT_BUDGET: Budget = {
  maxSteps: 5_000_000,
  maxTimeNs: 3_600_000_000_000,
  idleNs: 1_000_000_000,
};

/** A non-fatal finding of a monitor (a verifier check or a user invariant). */
export interface Violation {
  /** The check's id, e.g. `0xC9/0x23D` or an invariant's name. */
  readonly check: string;
  readonly name: string;
  readonly message: string;
  /** Simulated time and trace position when it was found. */
  readonly t: number;
  readonly seq: number;
}

/**
 * A monitor is a hook inside the engine: it sees every event as it is emitted and may
 * report a violation or stop the run. Observers, by contrast, only watch.
 */
export interface Monitor {
  readonly name: string;
  onEvent?(event: TraceEvent): void;
  /**
   * Called once when the run ends, before the result is built (liveness checks).
   * `quiescent` is true when the run ended because nothing more could happen — every user
   * thread finished, nothing was left to run, or a deadlock — and false when it was cut
   * short (a bug check, a budget, the scenario's `until`, `stop`).
   */
  atEnd?(outcome: Outcome, quiescent: boolean): void;
}

export interface RunStats {
  /** Trace events emitted. */
  readonly events: number;
  /** Routine invocations between two scheduling points. */
  readonly steps: number;
  /** Real choices (two or more options). */
  readonly choices: number;
  readonly simTimeNs: number;
}

export interface RunResult {
  readonly outcome: Outcome;
  /** Why the run ended, in one sentence. */
  readonly reason: string;
  readonly bugcheck: BugCheckInfo | null;
  readonly violations: readonly Violation[];
  readonly stats: RunStats;
  /** The choice sequence: replaying it reproduces the run. */
  readonly choices: readonly number[];
  readonly strategy: string;
}

export interface SpawnOptions {
  readonly kind: TaskKind;
  readonly name: string;
  /** Who acts, for traces (default: the name). */
  readonly actor?: string;
  readonly priority?: number;
  readonly keepAlive?: boolean;
  readonly background?: boolean;
  readonly owner?: unknown;
  /** Start after this many nanoseconds (default 0: now). */
  readonly delay?: number;
  /** The CPU the task is bound to (DPCs, ISRs), default none. */
  readonly cpu?: number;
  /** The IRQL the task starts at (default PASSIVE_LEVEL). */
  readonly irql?: number;
}

/**
 * Decides what an exception escaping a task means (a bug check, a dead process). It is
 * installed by the machine; without one, the exception is an irpsim failure.
 */
export type TaskErrorHandler = (task: Task, error: unknown) => void;

/** Enters `gen` (with its `next`) as the task's innermost callee, above `top` (null: the task's own routine); returns its frame. */
function pushFrame(task: Task, top: Frame | null, gen: Routine<unknown>, next: Routine<unknown>['next']): Frame {
  const callee: Frame = { gen, next, up: top, top: null };
  if (top === null) {
    callee.top = callee;
    task.frames = callee;
  } else {
    task.frames!.top = callee;
  }
  return callee;
}

/**
 * A callee ended: drops its frame (Task.frames); returns its caller's, or null when the
 * caller is the task's own routine. Back at the outermost callee (a thread's body between
 * two system calls), the task gets a fresh copy of that frame: a long-lived one is old,
 * and storing each new callee's frame into an old object costs a write barrier, one per
 * engine call; a young one takes the next request's callees for one barrier, storing it.
 */
function popFrame(task: Task, frame: Frame): Frame | null {
  const up = frame.up;
  if (up === null) {
    task.frames = null;
    return null;
  }
  if (up.up === null) {
    const fresh: Frame = { gen: up.gen, next: up.next, up: null, top: null };
    fresh.top = fresh;
    task.frames = fresh;
    return fresh;
  }
  task.frames!.top = up;
  return up;
}

/**
 * The discrete-event engine: virtual time, one queue ordered by (time, priority,
 * sequence), tasks written as generators, and a strategy that answers every choice.
 * All state lives in the instance; two engines never share anything.
 */
export class Engine {
  readonly trace: Trace;
  readonly strategy: Strategy;
  readonly budget: Budget;
  /** The task whose step is running, or null between steps. */
  current: Task | null = null;
  /** The thread task that ran most recently (whose context a DPC borrows). */
  lastThread: Task | null = null;
  /** Installed by the machine; see `TaskErrorHandler`. */
  onTaskError: TaskErrorHandler | null = null;
  /** Optional stop condition, tested after every step (a scenario's `until`). */
  get until(): (() => boolean) | null {
    return this.untilCondition;
  }

  set until(condition: (() => boolean) | null) {
    this.untilCondition = condition;
    this.checkAt = 0;
  }
  /** The machine's processors; null makes the engine a single processor. */
  gate: SchedulingGate | null = null;
  /**
   * Told when a task waits at DISPATCH_LEVEL or above (a non-zero timeout, or any wait
   * above DISPATCH_LEVEL); the machine raises the bug check Windows raises.
   */
  illegalWait: ((task: Task, timeoutNs: number | null) => void) | null = null;
  /** Time from a waiting thread being readied to its running again (the cost model's context switch). */
  contextSwitchNs = 0;

  private readonly queue: EventQueue;
  /**
   * 1 between an `engine.call` and its `yield`, which hands the engine the routine itself;
   * 2 between a `lastEffect` and its `yield`; else 0. A flag rather than the routine:
   * storing each new routine in the engine, an old object, cost a write barrier per call
   * (docs/performance.md, optimisation log).
   */
  private calling = 0;
  /** The routine's `next` when its caller read it (`callWith`), else null: read here. */
  private calleeNext: Routine<unknown>['next'] | null = null;
  private readonly picks = new ChoiceLog();
  private readonly monitors: Monitor[] = [];
  private readonly found: Violation[] = [];
  private nextTaskId = 1;
  private steps = 0;
  /** `budget.maxSteps`, read at every step. */
  private readonly maxSteps: number;
  private untilCondition: (() => boolean) | null = null;
  /**
   * The step from which `checkEnd` runs before every step: 0 when something that can end the
   * run may have changed (a stop, a bug check, `until`, user threads started, ended, blocked or
   * woken) or may end it at any step; else the step budget (capped to a small integer). The
   * usual step then tests one number instead of each condition.
   */
  private checkAt = 0;
  private liveKeepAlive = 0;
  private blockedKeepAlive = 0;
  private everKeepAlive = false;
  private idleSince = -1;
  private halted: { outcome: Outcome; reason: string; bugcheck: BugCheckInfo | null } | null = null;
  private result: RunResult | null = null;

  constructor(options: { strategy: Strategy; budget?: Partial<Budget> }) {
    this.strategy = options.strategy;
    this.budget = { ...DEFAULT_BUDGET, ...options.budget };
    this.maxSteps = this.budget.maxSteps;
    this.queue = new EventQueue(PRIORITY_LEVELS, this.budget.maxTimeNs);
    this.trace = new Trace(this);
  }

  /** Current simulated time in nanoseconds. */
  get now(): number {
    return this.queue.now;
  }

  get finished(): boolean {
    return this.result !== null;
  }

  /** Starts a task; it first runs after `delay` nanoseconds. */
  spawn(body: Routine<unknown>, options: SpawnOptions): Task {
    const task: Task = {
      id: this.nextTaskId++,
      kind: options.kind,
      name: options.name,
      actor: options.actor ?? options.name,
      gen: body,
      next: body.next,
      frames: null,
      keepAlive: options.keepAlive ?? false,
      background: options.background ?? false,
      owner: options.owner,
      state: 'queued',
      resume: undefined,
      at: 0,
      prio: 0,
      seq: 0,
      cancelled: false,
      cpu: options.cpu ?? -1,
      irql: options.irql ?? 0,
      owners: null,
    };
    if (task.keepAlive) {
      this.liveKeepAlive++;
      this.everKeepAlive = true;
      this.checkAt = 0;
    }
    this.queue.push(task, this.now + (options.delay ?? 0), options.priority ?? PRIORITY.thread);
    return task;
  }

  /** Resumes a blocked task after `delay` ns, handing `value` to its pending `yield`. */
  wake(task: Task, value?: unknown, delay = 0): void {
    if (task.state !== 'blocked') {
      throw new SimulationError('invalid-state', `task ${task.id} (${task.name}) is not blocked`);
    }
    if (task.keepAlive) {
      this.blockedKeepAlive--;
      this.checkAt = 0;
    }
    task.resume = value;
    this.queue.push(task, this.now + delay, task.prio);
  }

  /**
   * `const value = (yield engine.call(routine)) as T` runs `routine` to its end as a callee
   * of the yielding routine, exactly as `yield* routine` would — in the same steps, with its
   * return value (or its exception) coming back at the `yield` — but the engine keeps the
   * caller suspended instead of resuming it at every step of the callee. For hot paths whose
   * `yield*` chains are deep (a system call, IoCallDriver, a completion routine). Only for a
   * routine the engine is running.
   */
  call(routine: Routine<unknown>): number {
    this.calling = 1;
    this.calleeNext = null;
    return routine as unknown as number;
  }

  /**
   * `engine.call(routine)` with `next`, the routine's own `next`, read by the caller. The
   * engine's own read of `next` sees every routine's shape (a megamorphic load, about 70
   * instructions); a hot call site that sees one or two shapes reads it for less
   * (docs/performance.md, optimisation log). @internal
   */
  callWith(routine: Routine<unknown>, next: Routine<unknown>['next']): number {
    this.calling = 1;
    this.calleeNext = next;
    return routine as unknown as number;
  }

  /**
   * `yield* engine.called(routine)`: `yield* routine` run as an engine call — for APIs that
   * callers enter with `yield*` (a system call, a service's IoCallDriver), so the callers'
   * frames are not re-entered at each of the routine's steps (EngineCall.ts).
   */
  called<T>(routine: Routine<T>): Routine<T> {
    return new EngineCall(this, routine) as unknown as Routine<T>;
  }

  /**
   * `return value` after `yield effect`, for a routine the engine runs as a callee (an
   * `engine.call` frame) whose last act is to charge `effect` (a time, ≥ 0): yield what this
   * returns, and the routine ends with the step — its frame is dropped and `value` reaches
   * its caller at the next resumption, without resuming the routine only to hear it is done
   * (the same steps and trace). The routine is never resumed again. @internal
   */
  lastEffect(effect: number, value: unknown): number {
    this.calling = 2;
    this.current!.resume = value;
    return effect;
  }

  /**
   * `yield effect; const value = (yield engine.callWith(routine, next)) as T`, the call made
   * before the yield: the running routine (a callee or the task's own) calls `routine` at the
   * task's next step and receives its value (or exception) when it ends, without being
   * resumed only to make the call. The routine must do nothing before its first resumption
   * (a generator, or an object whose constructor only stores): it is made before the
   * scheduling point. @internal
   */
  callNext(routine: Routine<unknown>, next: Routine<unknown>['next']): void {
    const task = this.current!;
    pushFrame(task, task.frames === null ? null : task.frames.top, routine, next);
  }

  /** Takes a queued task out of the queue (a timeout whose wait was satisfied first). */
  withdraw(task: Task): void {
    this.queue.withdraw(task);
  }

  /**
   * Asks the strategy to pick one of `n` options. Only real choices (n ≥ 2) reach the
   * strategy and are recorded; the answer is always in [0, n). A `schedule` choice also
   * passes the ready tasks (`options`), so a strategy can tell them apart.
   */
  choose(n: number, kind: ChoiceKind, options?: ScheduleOptions): number {
    if (n < 2) return 0;
    const pick = this.strategy.choose(n, kind, options);
    if (!(pick >= 0 && pick < n && Number.isInteger(pick))) this.badPick(pick, n);
    this.picks.push(pick);
    if (this.trace.on) this.trace.emit({ type: 'sched.choice', kind, options: n, pick });
    return pick;
  }

  // Cold paths live in functions of their own: the step's hot functions stay small enough
  // for V8 to inline them into one another within its inlining budget.
  private badPick(pick: number, n: number): never {
    throw new SimulationError('internal', `strategy ${this.strategy.name} answered ${pick} for ${n} options`);
  }

  addMonitor(monitor: Monitor): void {
    this.monitors.push(monitor);
    const onEvent = monitor.onEvent;
    if (onEvent !== undefined) this.trace.addHook((event) => onEvent.call(monitor, event));
  }

  /** Records a non-fatal violation; the run goes on. */
  violation(check: string, name: string, message: string): void {
    this.found.push({ check, name, message, t: this.now, seq: this.trace.count });
    if (this.trace.on) this.trace.emit({ type: 'verifier.violation', check, name, message });
  }

  /**
   * Raises a bug check: the run stops with outcome `bugcheck`. Throws a BugCheckSignal
   * to unwind the routine that raised it; the engine catches it.
   */
  bugcheck(info: BugCheckInfo): never {
    if (this.halted === null) {
      this.halted = { outcome: 'bugcheck', reason: info.message, bugcheck: info };
      this.checkAt = 0;
      if (this.trace.on) {
        this.trace.emit({
          type: 'sim.bugcheck',
          code: info.code,
          name: info.name,
          params: [...info.params],
          message: info.message,
          driver: info.driver ?? null,
        });
      }
    }
    throw new BugCheckSignal(info);
  }

  get bugcheckInfo(): BugCheckInfo | null {
    return this.halted?.bugcheck ?? null;
  }

  /**
   * Runs one step. Returns false when the run has ended (then `result()` is ready).
   */
  step(): boolean {
    if (this.result !== null) return false;
    // Nothing can end the run while user threads live, not all blocked, under budget and
    // nobody stopped it: checkEnd only when one of those may have changed (`checkAt`).
    if (this.steps >= this.checkAt) {
      const end = this.checkEnd();
      if (end !== null) {
        this.finish(end.outcome, end.reason, end.quiescent === true);
        return false;
      }
      this.checkAt = this.mayEnd() ? 0 : Math.min(this.maxSteps, 0x3fffffff);
    }
    const gate = this.gate;
    const queue = this.queue;
    const options = gate === null ? queue.nextBucket() : queue.admitted(gate);
    if (options === null) {
      this.finishIdle(gate);
      return false;
    }
    try {
      // A monitor may raise a bug check while the choice is traced: the run then ends.
      const index = options.length > 1 ? this.choose(options.length, 'schedule', options) : 0;
      const task = queue.take(options, index);
      if (gate === null) this.runTask(task);
      else {
        gate.beforeStep(task);
        this.runTask(task);
        gate.afterStep(task);
      }
    } catch (signal) {
      if (!BugCheckSignal.is(signal)) throw signal;
    }
    this.trace.flush();
    return true;
  }

  /** Runs to the end and returns the result. */
  run(): RunResult {
    while (this.step()) {
      /* step until the run ends */
    }
    return this.result!;
  }

  /** The result of a finished run. */
  getResult(): RunResult {
    if (this.result === null) throw new SimulationError('not-running', 'the run has not finished');
    return this.result;
  }

  /** Stops the run now with the given outcome (used by `until` and the runner). */
  stop(outcome: Outcome, reason: string): void {
    this.halted ??= { outcome, reason, bugcheck: null };
    this.checkAt = 0;
  }

  /** Nothing can run: the run completed, waits forever, or reached the time budget. */
  private finishIdle(gate: SchedulingGate | null): void {
    const ready = this.queue.ready;
    if (this.queue.pastLimit()) {
      this.finish('budget-exhausted', `simulated time reached the budget of ${this.budget.maxTimeNs} ns`);
    } else if (ready.length > 0 && gate !== null) {
      this.finish('deadlock', gate.describeStuck(ready), true);
    } else if (this.liveKeepAlive > 0) {
      this.finish('deadlock', 'user threads are blocked and nothing is scheduled that could wake them', true);
    } else {
      this.finish('completed', 'nothing is left to run', true);
    }
  }

  private runTask(task: Task): void {
    this.current = task;
    if (task.kind === 'thread') this.lastThread = task;
    this.steps++;
    task.state = 'running';
    let value = task.resume;
    task.resume = undefined;
    // The innermost routine runs; a callee's end hands its value (or exception) to its caller.
    // `frame` is the innermost callee's (null: the task's own routine runs).
    const base = task.frames;
    let frame = base === null ? null : base.top;
    let gen = frame === null ? task.gen : frame.gen;
    let next = frame === null ? task.next : frame.next;
    let thrown = false;
    let effect: IteratorResult<number, unknown>;
    for (;;) {
      try {
        effect = thrown ? gen.throw(value) : next.call(gen, value);
      } catch (error) {
        if (frame === null) {
          this.current = null;
          this.taskEnded(task);
          if (!BugCheckSignal.is(error)) this.taskFailed(task, error);
          return;
        }
        // A callee threw: it is dropped and its caller receives the exception.
        frame = popFrame(task, frame);
        gen = frame === null ? task.gen : frame.gen;
        next = frame === null ? task.next : frame.next;
        value = error;
        thrown = true;
        continue;
      }
      thrown = false;
      if (effect.done !== true) {
        const calling = this.calling;
        if (calling === 0) break; // a scheduling point: the step ends
        this.calling = 0;
        if (calling === 1) {
          // The routine of an `engine.call` (a number is an effect, with the call abandoned).
          if (typeof effect.value === 'number') break;
          gen = effect.value as unknown as Routine<unknown>;
          next = this.calleeNext ?? gen.next;
          this.calleeNext = null;
          frame = pushFrame(task, frame, gen, next);
          value = undefined;
          continue;
        }
        // `lastEffect`: the step ends with the callee, whose value, in `task.resume`, goes to its caller next.
      } else if (frame === null) {
        break; // the task's own routine ended
      }
      frame = popFrame(task, frame!);
      if (effect.done !== true) break;
      gen = frame === null ? task.gen : frame.gen;
      next = frame === null ? task.next : frame.next;
      value = effect.value;
    }
    this.current = null;
    if (effect.done === true) {
      this.taskEnded(task);
    } else if (effect.value === 0) {
      this.queue.pushNow(task);
    } else if (effect.value > 0) {
      this.queue.requeue(task, this.now + effect.value, task.prio);
    } else if (effect.value === BLOCK) {
      task.state = 'blocked';
      this.queue.leave(task);
      if (task.keepAlive) {
        this.blockedKeepAlive++;
        this.checkAt = 0;
      }
    } else {
      this.badEffect(task, effect.value);
    }
  }

  private badEffect(task: Task, effect: unknown): never {
    throw new SimulationError('internal', `task ${task.name} yielded an unknown effect ${String(effect)}`);
  }

  private taskEnded(task: Task): void {
    task.state = 'done';
    this.queue.leave(task);
    if (task.keepAlive) {
      this.liveKeepAlive--;
      this.checkAt = 0;
    }
  }

  private taskFailed(task: Task, error: unknown): void {
    if (this.onTaskError === null) {
      throw new SimulationError('internal', `task ${task.name} failed: ${String(error)}`);
    }
    try {
      this.onTaskError(task, error);
    } catch (signal) {
      if (!BugCheckSignal.is(signal)) throw signal;
    }
  }

  /** Can the run end at any step now (checkEnd at every step)? */
  private mayEnd(): boolean {
    return this.halted !== null || this.untilCondition !== null || this.liveKeepAlive === 0 || this.blockedKeepAlive === this.liveKeepAlive;
  }

  private checkEnd(): { outcome: Outcome; reason: string; quiescent?: boolean } | null {
    if (this.halted !== null) return this.halted;
    if (this.untilCondition !== null && this.untilCondition()) return { outcome: 'completed', reason: 'the until condition held' };
    if (this.everKeepAlive && this.liveKeepAlive === 0) {
      // Quiescent only if no kernel work is still queued (a deferred CLOSE in a work item,
      // a DPC): liveness must not call an IRP that is still moving "pending for ever".
      return { outcome: 'completed', reason: 'every user thread has finished', quiescent: this.queue.foreground === 0 };
    }
    if (this.steps >= this.budget.maxSteps) {
      return { outcome: 'budget-exhausted', reason: `the run reached the budget of ${this.budget.maxSteps} steps` };
    }
    // All user threads blocked while only background work is queued: give it `idleNs`.
    if (this.liveKeepAlive > 0 && this.blockedKeepAlive === this.liveKeepAlive && this.queue.foreground === 0) {
      if (this.idleSince < 0) this.idleSince = this.now;
      else if (this.now - this.idleSince > this.budget.idleNs) {
        return {
          outcome: 'deadlock',
          reason: `user threads stayed blocked for ${this.budget.idleNs} ns while only background work ran`,
          quiescent: true,
        };
      }
    } else {
      this.idleSince = -1;
    }
    return null;
  }

  private finish(outcome: Outcome, reason: string, quiescent = false): void {
    for (const monitor of this.monitors) {
      try {
        monitor.atEnd?.(outcome, quiescent && this.halted === null);
      } catch (signal) {
        if (!BugCheckSignal.is(signal)) throw signal;
      }
    }
    const halted = this.halted;
    const final = halted?.outcome === 'bugcheck' ? halted : { outcome, reason, bugcheck: null };
    if (this.trace.on) this.trace.emit({ type: 'sim.end', outcome: final.outcome, reason: final.reason });
    this.trace.flush();
    this.result = {
      outcome: final.outcome,
      reason: final.reason,
      bugcheck: final.bugcheck,
      violations: this.found,
      stats: { events: this.trace.count, steps: this.steps, choices: this.picks.length, simTimeNs: this.now },
      choices: this.picks.toArray(),
      strategy: this.strategy.name,
    };
  }
}
