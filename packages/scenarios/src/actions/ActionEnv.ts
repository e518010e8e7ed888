import type { Routine } from '@irpsim/core';
import type { NamedValues } from '../format/NamedValues.ts';
import type { Path } from '../format/SourceMap.ts';
import type { ThreadContext } from '../run/ScenarioSpec.ts';

/** What compiling one thread's actions can see and report. */
export interface CompileEnv {
  readonly values: NamedValues;
  /** Buffer names of the process: its `buffers:` and every `alloc … as:`. */
  readonly buffers: ReadonlySet<string>;
  /** Handle names of the process: every `as:` of its actions. */
  readonly handles: ReadonlySet<string>;
  /** Reports a problem with the value at `path`. */
  error(path: Path, message: string, hint?: string | null): void;
  /** Evaluates a named value or expression, reporting a problem at `path`. */
  value(input: number | string, path: Path): number;
  /** Compiles a nested action list (spawn, queue-apc, repeat). */
  compileList(actions: unknown, path: Path, what: string): Step[];
}

/** A thread's state while its actions run. */
export interface ThreadRuntime extends ThreadContext {
  /** `app/main`. */
  readonly label: string;
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
  /** Names this action defines: `handle` (as:), `buffer` (alloc). */
  readonly defines?: 'handle' | 'buffer';
  readonly compile: (action: ActionData, path: Path, env: CompileEnv, what: string) => Step;
}

/** Runs a list of compiled steps. */
export function* runSteps(t: ThreadRuntime, steps: readonly Step[]): Routine<void> {
  for (const step of steps) yield* step(t);
}
