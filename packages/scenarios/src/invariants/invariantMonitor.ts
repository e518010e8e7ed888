import type { TraceEvent } from '@irpsim/core';
import type { InvariantSpec } from '@irpsim/io-manager';
import type { EventPattern, ScenarioInvariant } from './ScenarioInvariant.ts';

/** The events' fields, read by name (the declared invariants name them as strings). */
type Fields = Readonly<Record<string, unknown>>;

function matches(event: TraceEvent, pattern: EventPattern): boolean {
  if (event.type !== pattern.type) return false;
  const fields = event as unknown as Fields;
  for (const [key, value] of pattern.where) if (fields[key] !== value) return false;
  return true;
}

/** The group an event belongs to (`per`), or '' for the single group. */
function groupOf(event: TraceEvent, per: string | null): string {
  return per === null ? '' : String((event as unknown as Fields)[per]);
}

function times(n: number): string {
  return n === 1 ? '1 time' : `${n} times`;
}

function label(per: string | null, group: string): string {
  return per === null ? '' : ` for ${per} ${group}`;
}

/**
 * A declared invariant as a monitor of the verifier's invariant API (`addInvariant`):
 * counts and orderings are judged as each event is emitted, "eventually" and "at least"
 * only when the run ends at quiescence (a run cut short may still have been on its way).
 */
export function invariantMonitor(invariant: ScenarioInvariant): InvariantSpec {
  const { id, name, per } = invariant;
  switch (invariant.kind) {
    case 'count': {
      const counts = new Map<string, number>();
      const { event: pattern, atMost, atLeast } = invariant;
      return {
        id,
        name,
        onEvent(event, context) {
          if (!matches(event, pattern)) return;
          const group = groupOf(event, per);
          const n = (counts.get(group) ?? 0) + 1;
          counts.set(group, n);
          if (atMost !== null && n === atMost + 1) context.report(`${pattern.type} occurred ${times(n)}${label(per, group)}: at most ${atMost} allowed`);
        },
        atEnd(end, context) {
          if (atLeast === null || !end.quiescent) return;
          if (per === null && (counts.get('') ?? 0) < atLeast) context.report(`${pattern.type} occurred ${times(counts.get('') ?? 0)}: at least ${atLeast} required`);
          if (per !== null) for (const [group, n] of counts) if (n < atLeast) context.report(`${pattern.type} occurred ${times(n)}${label(per, group)}: at least ${atLeast} required`);
        },
      };
    }
    case 'order': {
      const seen = new Set<string>();
      const { first, then } = invariant;
      return {
        id,
        name,
        onEvent(event, context) {
          if (matches(event, first)) seen.add(groupOf(event, per));
          else if (matches(event, then) && !seen.has(groupOf(event, per))) {
            context.report(`${then.type}${label(per, groupOf(event, per))} came before any ${first.type}`);
          }
        },
      };
    }
    case 'eventually': {
      const open = new Set<string>();
      let occurred = false;
      const { event: pattern, after } = invariant;
      return {
        id,
        name,
        onEvent(event) {
          if (after !== null && matches(event, after)) open.add(groupOf(event, per));
          if (matches(event, pattern)) {
            occurred = true;
            open.delete(groupOf(event, per));
          }
        },
        atEnd(end, context) {
          if (!end.quiescent) return;
          if (after === null && !occurred) context.report(`no ${pattern.type} occurred by the end of the run`);
          for (const group of open) context.report(`${after!.type}${label(per, group)} was never followed by ${pattern.type}`);
        },
      };
    }
  }
}
