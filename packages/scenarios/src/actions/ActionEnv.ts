import type { Routine } from '@irpsim/core';
import type { NamedValues } from '../format/NamedValues.ts';
import type { Path } from '../format/SourceMap.ts';
import type { ThreadContext } from '../run/ScenarioSpec.ts';

/** What compiling one thread's actions can see and report. */
export interface CompileEnv {
  readonly values: NamedValues;
  /** The process's named buffers. */
  readonly buffers: ReadonlySet<string>;
  /** Handle names defined by earlier actions of this thread. */
  readonly handles: Set<string>;
  /** Reports a problem with the value at `path`. */
  error(path: Path, message: string, hint?: string | null): void;
  /** Evaluates a named value or expression, reporting a problem at `path`. */
  value(input: number | string, path: Path): number;
}

/** A thread's state while its actions run. */
export interface ThreadRuntime extends ThreadContext {
  /** `app/main`. */
  readonly label: string;
  readonly handles: Map<string, number>;
}

/** One compiled action: what the thread does for it. */
export type Step = (t: ThreadRuntime) => Routine<void>;

/** The YAML of one action, after schema validation. */
export type ActionData = Readonly<Record<string, unknown>>;
