import type { Routine } from '@irpsim/core';
import type { NamedValues } from '../format/NamedValues.ts';
import type { Path } from '../format/SourceMap.ts';
import type { ActionProgress, ThreadContext } from '../run/ScenarioSpec.ts';

/** A number known when the file loads, or one computed from repeat counters as the actions run. */
export type Dyn<T = number> = T | ((t: ThreadRuntime) => T);

/** The value of a `Dyn` in the running thread. */
export function valueAt<T>(d: Dyn<T>, t: ThreadRuntime): T {
  return typeof d === 'function' ? (d as (t: ThreadRuntime) => T)(t) : d;
}

/** A compiled action list, with one label per action for the unfinished-thread check. */
export interface StepList {
  readonly steps: readonly Step[];
  /** `#3 wait go (line 14)`. */
  readonly labels: readonly string[];
}

/** What compiling one thread's actions can see and report. */
export interface CompileEnv {
  readonly values: NamedValues;
  /** Buffer names of the process: its `buffers:`, every `alloc` and every `map-view … as:`. */
  readonly buffers: ReadonlySet<string>;
  /** Sizes known when the file loads (null: known only at run time, e.g. a view). */
  readonly bufferSizes: ReadonlyMap<string, number | null>;
  /** Handle names of the process: every `as:` of its actions. */
  readonly handles: ReadonlySet<string>;
  /** The repeat counters in scope (`repeat … as: i`). */
  readonly counters: ReadonlySet<string>;
  /** A `kernel: true` thread: open, close, ioctl, read, write and alloc compile to their Zw forms (zwActions.ts). */
  readonly kernel?: boolean;
  /** Pool buffers the `alloc`s of `kernel: true` threads name: what `{ address: NAME }` may name (IO-10.1). */
  readonly poolBuffers?: ReadonlySet<string>;
  /** Reports a problem with the value at `path`. */
  error(path: Path, message: string, hint?: string | null): void;
  /** Evaluates a named value or expression now, reporting a problem at `path`. */
  value(input: number | string, path: Path): number;
  /** Like `value`, but the expression may use repeat counters. */
  dyn(input: number | string, path: Path): Dyn;
  /** Text with `${expression}` parts (repeat counters allowed). */
  string(input: string, path: Path): Dyn<string>;
  /** Text with `${expression}` parts (repeat counters allowed), as UTF-8 bytes. */
  text(input: string, path: Path): Dyn<Uint8Array>;
  /** Compiles a nested action list (spawn, queue-apc, repeat); `counters` replaces the counters in scope. */
  compileList(actions: unknown, path: Path, what: string, counters?: ReadonlySet<string>): StepList;
}

/** A thread's state while its actions run. */
export interface ThreadRuntime extends ThreadContext {
  /** `app/main`. */
  readonly label: string;
  /** The current value of each repeat counter of this thread. */
  readonly counters: Map<string, number>;
  /**
   * Indices of the thread's top-level actions to skip: scenario shrinking removed them
   * (explore/reduceScenario.ts). Absent: run them all.
   */
  readonly skip?: ReadonlySet<number>;
}

/** One compiled action: what the thread does for it. */
export type Step = (t: ThreadRuntime) => Routine<void>;

/** The YAML of one action, after schema validation. */
export type ActionData = Readonly<Record<string, unknown>>;

/** One verb of the action vocabulary: its schema and its compiler. */
export interface ActionDef {
  readonly description: string;
  /** Schema of the verb's own value (`open: <this>`). */
  readonly value: object;
  /** Schemas of the other keys. */
  readonly properties: Readonly<Record<string, object>>;
  /** Schemas of the keys of `expect:`. */
  readonly expect: Readonly<Record<string, object>>;
  /**
   * False for actions that are not API calls (a plain memory access, ExitProcess which
   * never returns): they have no `returns`, `error` or `status` to expect.
   */
  readonly call?: boolean;
  /** Names this action defines: `handle` (as:), `buffer` (alloc, map-view … as:). */
  readonly defines?: 'handle' | 'buffer';
  /**
   * Other names it defines, read from the action as written: a port's handle
   * (`create-port: port`), an OVERLAPPED (`overlapped: { as }`, a 20-byte buffer).
   */
  readonly names?: (action: ActionData) => { readonly handles?: readonly string[]; readonly buffers?: readonly (readonly [string, number | null])[] };
  readonly compile: (action: ActionData, path: Path, env: CompileEnv, what: string) => Step;
}

/** Runs a thread's list of compiled steps, recording how far it got. */
export function* runSteps(t: ThreadRuntime, list: StepList, progress: ActionProgress = t.progress): Routine<void> {
  // The skips concern this list only: the steps (and the lists they run) get a runtime without them.
  const skip = t.skip;
  const inner: ThreadRuntime = skip === undefined ? t : withoutSkip(t);
  // Each step runs as a frame of its own: its scheduling points do not resume this list (nor a repeat around it).
  const engine = t.u._io.machine.engine;
  for (let i = 0; i < list.steps.length; i++) {
    if (skip?.has(i) === true) continue;
    progress.next = i;
    progress.detail = null;
    yield engine.call(list.steps[i]!(inner));
  }
  progress.next = list.steps.length;
  progress.detail = null;
}

/** The runtime without the skips of the list that holds it. */
function withoutSkip(t: ThreadRuntime): ThreadRuntime {
  const { skip, ...rest } = t;
  void skip;
  return rest;
}

/** A progress record nobody checks (the body of a user APC runs inside another thread). */
export function untracked(label: string): ActionProgress {
  return { thread: label, process: label.split('/')[0] ?? label, actions: [], next: 0, detail: null, done: false };
}
