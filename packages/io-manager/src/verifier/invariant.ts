import type { Machine, Monitor, Outcome, TraceEvent } from '@irpsim/core';

/** What an invariant's callbacks may do: report a violation, or report one and stop the run. */
export interface InvariantContext {
  readonly machine: Machine;
  /** Records a violation under the invariant's id; the run goes on. */
  report(message: string): void;
  /**
   * Records a violation and ends the run at the end of the current step (outcome
   * `completed`, reason naming the invariant). Only a Windows check raises a bug check.
   */
  stop(message: string): void;
}

/** How the run ended, as an invariant's `atEnd` sees it. */
export interface InvariantEnd {
  readonly outcome: Outcome;
  /** Nothing more could happen (every user thread finished, nothing left to run, a deadlock). */
  readonly quiescent: boolean;
}

/**
 * A monitor written as an invariant: an id, a one-line name, and hooks over trace events
 * (safety: "every notification is delivered at most once") and the end of the run
 * (liveness: "every IRP is completed"). The built-in liveness checks are written this way.
 */
export interface InvariantSpec {
  /** The check id its violations carry (`result.violations[].check`). */
  readonly id: string;
  /** One line saying what it requires. */
  readonly name: string;
  /** Called as each trace event is emitted (turns the trace on: events cost something). */
  readonly onEvent?: (event: TraceEvent, context: InvariantContext) => void;
  /** Called once when the run ends. */
  readonly atEnd?: (end: InvariantEnd, context: InvariantContext) => void;
}

/**
 * Hooks an invariant into the machine's engine as a monitor. Observers only watch; a
 * monitor may report violations (`engine.violation`) and stop the run.
 */
export function addInvariant(machine: Machine, spec: InvariantSpec): Monitor {
  const engine = machine.engine;
  const context: InvariantContext = {
    machine,
    report: (message) => engine.violation(spec.id, spec.name, message),
    stop: (message) => {
      engine.violation(spec.id, spec.name, message);
      engine.stop('completed', `invariant ${spec.id} stopped the run: ${message}`);
    },
  };
  const onEvent = spec.onEvent;
  const atEnd = spec.atEnd;
  const monitor: Monitor = {
    name: spec.id,
    ...(onEvent !== undefined ? { onEvent: (event: TraceEvent) => onEvent(event, context) } : {}),
    ...(atEnd !== undefined ? { atEnd: (outcome: Outcome, quiescent: boolean) => atEnd({ outcome, quiescent }, context) } : {}),
  };
  engine.addMonitor(monitor);
  return monitor;
}
