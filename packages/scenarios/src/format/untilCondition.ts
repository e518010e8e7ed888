import type { Machine, TraceEvent } from '@irpsim/core';
import { TRACE_EVENT_TYPES } from '../report/eventTypes.ts';
import { didYouMean } from './didYouMean.ts';
import { durationSchema, parseDuration } from './durations.ts';
import type { Path } from './SourceMap.ts';

/**
 * `machine: { until: … }`: a condition that ends the run as `completed` as soon as it
 * holds (docs/semantics.md "Run outcomes"), tested after every step: `{ event: TYPE,
 * count: N }` — the trace has shown N events of that type (count 1 unless given) — or
 * `{ time: 5ms }` — simulated time has reached it. Threads still running then are not
 * "unfinished": the author chose where the run ends.
 */
export type UntilCondition = { readonly event: string; readonly count: number } | { readonly timeNs: number };

export const untilSchema = {
  type: 'object',
  description: 'Ends the run as completed when it holds: { event: io.irp.finish, count: 10 } or { time: 5ms }',
  properties: {
    event: { type: 'string', description: 'A trace event type (io.irp.finish, timer.fire, …): the run ends at the count-th one' },
    count: { type: 'integer', minimum: 1, description: 'How many events of that type (default 1)' },
    time: { ...durationSchema, description: 'A simulated time: the run ends at the first step that reaches it' },
  },
  additionalProperties: false,
} as const;

export interface UntilData {
  event?: string;
  count?: number;
  time?: number | string;
}

export function compileUntil(data: UntilData, path: Path, error: (path: Path, message: string, hint?: string | null) => void): UntilCondition | null {
  if (data.event !== undefined && data.time !== undefined) {
    error([...path, 'time'], 'give one of event or time, not both', 'the run ends at whichever you give');
    return null;
  }
  if (data.time !== undefined) {
    if (data.count !== undefined) error([...path, 'count'], "'count' applies to event");
    const d = parseDuration(data.time);
    if (!d.ok) {
      error([...path, 'time'], d.message, d.hint);
      return null;
    }
    return { timeNs: d.ns };
  }
  if (typeof data.event !== 'string') {
    error(path, 'until needs an event (with a count) or a time', 'until: { event: io.irp.finish, count: 10 } or until: { time: 5ms }');
    return null;
  }
  if (!TRACE_EVENT_TYPES.includes(data.event)) {
    const close = didYouMean(data.event, TRACE_EVENT_TYPES);
    error([...path, 'event'], `no trace event type '${data.event}'`, close !== null ? `did you mean '${close}'?` : 'irpsim run --format jsonl shows the types of a run');
    return null;
  }
  return { event: data.event, count: data.count ?? 1 };
}

/** Arms the condition on a machine before it boots. */
export function installUntil(machine: Machine, until: UntilCondition): void {
  if ('timeNs' in until) {
    machine.engine.until = () => machine.now >= until.timeNs;
    return;
  }
  let seen = 0;
  // A monitor counts as events are emitted, so the run ends after the step of the count-th one.
  machine.engine.addMonitor({
    name: 'until',
    onEvent: (event: TraceEvent) => {
      if (event.type === until.event) seen++;
    },
  });
  machine.engine.until = () => seen >= until.count;
}
