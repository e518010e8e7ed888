import type { TraceEvent } from '@irpsim/core';
import { freeze } from 'immer';
import type { SimulationState } from './SimulationState.ts';
import type { Snapshot } from './Snapshot.ts';

/**
 * A trace as JSON Lines: one event per line, `seq`, `t`, `type` and `actor` first, so equal
 * runs give byte-identical text (the event lines of `--format jsonl`).
 */
export function serializeTrace(events: readonly TraceEvent[]): string {
  let out = '';
  for (const event of events) {
    const { seq, t, type, actor, ...fields } = event as TraceEvent & Record<string, unknown>;
    out += JSON.stringify({ seq, t, type, actor, ...fields }) + '\n';
  }
  return out;
}

/** Reads a trace back; accepts `--format jsonl` output too (its header line has no `seq`). */
export function parseTrace(text: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const value = JSON.parse(line) as Partial<TraceEvent>;
    if (typeof value.seq === 'number' && typeof value.type === 'string') events.push(value as TraceEvent);
  }
  return events;
}

/** A snapshot as JSON text (the state and, when recorded, its patches). */
export function serializeSnapshot(snapshot: Snapshot): string {
  return JSON.stringify(snapshot);
}

/** Reads a snapshot back, frozen like the one `Simulation.snapshot()` returns. */
export function parseSnapshot(text: string): Snapshot {
  const value = JSON.parse(text) as { state: SimulationState; patches?: Snapshot['patches']; inversePatches?: Snapshot['inversePatches'] };
  return freeze({ state: value.state, patches: value.patches ?? null, inversePatches: value.inversePatches ?? null }, true);
}
