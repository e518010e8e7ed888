/**
 * A task is one resumable unit of simulated work: a thread, a DPC, a timer expiry, an
 * ISR. Its body is a generator that yields effects to the engine; each resumption up
 * to the next yield is one *step*.
 */

/**
 * What a routine yields. A number ≥ 0 is a scheduling point that also charges that many
 * nanoseconds of simulated time (0 = a pure scheduling point); `BLOCK` suspends the task
 * until something calls `engine.wake(task, value)`. Numbers keep the hot path free of
 * allocations. `yield engine.call(routine)` yields the routine itself, typed as an effect:
 * run it as a callee of the yielding routine (Engine.call). The engine keeps the suspended
 * callers itself, so each step resumes only the innermost routine rather than every frame
 * of a `yield*` chain (docs/performance.md).
 */
export type Effect = number;
export const BLOCK = -1;

/** A routine: the generator type every simulated routine has. */
export type Routine<T = void> = Generator<Effect, T, unknown>;

export type TaskKind = 'thread' | 'dpc' | 'timer' | 'isr' | 'apc' | 'work' | 'internal';

/**
 * Priorities order tasks that are due at the same instant: a lower number always runs
 * first, and only tasks of equal priority are a choice.
 */
export const PRIORITY = {
  /** Interrupt service routines (DIRQL). */
  interrupt: 0,
  /** DPCs and timer expiries (DISPATCH_LEVEL). */
  dpc: 1,
  /** Kernel APCs delivered to a thread (APC_LEVEL), e.g. I/O completion. */
  apc: 2,
  /** Thread work, user and kernel (PASSIVE_LEVEL). */
  thread: 3,
} as const;
export const PRIORITY_LEVELS = 4;

export type TaskState = 'queued' | 'running' | 'blocked' | 'done';

/**
 * A routine entered with `engine.call`: a link of the task's chain of callees, which the
 * engine keeps instead of resuming every caller of a `yield*` chain at each step. @internal
 */
export interface Frame {
  readonly gen: Routine<unknown>;
  /** `gen.next`, as read when it was entered. */
  readonly next: Routine<unknown>['next'];
  /** Its caller's frame; null for the outermost callee (whose caller is the task's `gen`). */
  readonly up: Frame | null;
  /** In the outermost callee, the innermost frame (itself when alone); null in the others. */
  top: Frame | null;
}

export interface Task {
  readonly id: number;
  readonly kind: TaskKind;
  readonly name: string;
  /** Who acts when this task runs, as traces name it: a thread's label, `DPC`, … */
  readonly actor: string;
  readonly gen: Routine<unknown>;
  /** `gen.next`, read once: the engine resumes routines of a dozen shapes, and reading `next` at every step is a megamorphic load. @internal */
  readonly next: Routine<unknown>['next'];
  /**
   * The outermost routine entered with `engine.call` (`gen` is the task's own), whose `top`
   * is the innermost; null when none is. @internal
   */
  frames: Frame | null;
  /** A user thread: the run completes when every keep-alive task has finished. */
  readonly keepAlive: boolean;
  /**
   * Periodic or polling work (hardware, periodic timers, polling system threads): it can
   * run forever, so it never makes a blocked run look alive.
   */
  readonly background: boolean;
  /** Whatever the machine attached (its thread record, its DPC object, …). */
  readonly owner: unknown;
  state: TaskState;
  /** Value handed to the generator at its next resumption. */
  resume: unknown;
  /** Queue bookkeeping: due time, priority, insertion sequence. @internal */
  at: number;
  prio: number;
  seq: number;
  /** Set when a queued entry was withdrawn (a wait satisfied before its timeout). @internal */
  cancelled: boolean;
  /** The CPU the task is bound to (a DPC, an ISR, a thread holding a spin lock), or -1. */
  cpu: number;
  /** The IRQL the task runs at now (0 = PASSIVE_LEVEL); the machine keeps it. */
  irql: number;
  /**
   * Whose routines are running in this task, innermost last — kept by the layer that runs
   * them (the I/O manager's drivers, for fault reports); null until the first.
   */
  owners: unknown[] | null;
}
