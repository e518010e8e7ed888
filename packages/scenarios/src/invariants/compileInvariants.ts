import type { Path } from '../format/SourceMap.ts';
import { didYouMean } from '../format/didYouMean.ts';
import { TRACE_EVENT_TYPES } from '../report/eventTypes.ts';
import type { EventPattern, ScenarioInvariant } from './ScenarioInvariant.ts';

type EventData = string | { type: string; where?: Record<string, string | number | boolean | null> };

/** One entry of `invariants:` as the schema guarantees it. */
export interface InvariantData {
  id?: string;
  name?: string;
  per?: string;
  count?: EventData;
  'at-most'?: number;
  'at-least'?: number;
  before?: EventData[];
  eventually?: EventData;
  after?: EventData;
}

type ErrorSink = (path: Path, message: string, hint?: string | null) => void;

const KINDS = ['count', 'before', 'eventually'] as const;

/**
 * Compiles the `invariants:` section (already schema-checked): exactly one of count, before,
 * eventually per entry, known event types, distinct ids. Errors go to `error` with their path.
 */
export function compileInvariants(data: readonly unknown[], error: ErrorSink): ScenarioInvariant[] {
  const out: ScenarioInvariant[] = [];
  const ids = new Set<string>();
  data.forEach((raw, i) => {
    const path: Path = ['invariants', i];
    // The schema reports a malformed entry; compiling skips it (it may not have the shape InvariantData says).
    if (!wellFormed(raw)) return;
    const d = raw;
    const kinds = KINDS.filter((k) => d[k] !== undefined);
    if (kinds.length !== 1) {
      error(path, kinds.length === 0 ? 'an invariant needs one of count, before, eventually' : `give one of count, before, eventually, not ${kinds.join(' and ')}`);
      return;
    }
    const id = d.id ?? `invariant-${i + 1}`;
    if (ids.has(id)) error([...path, 'id'], `two invariants have the id '${id}'`, 'give each its own id');
    ids.add(id);
    const per = d.per ?? null;
    const kind = kinds[0]!;
    if (kind === 'count') {
      const event = pattern(d.count!, [...path, 'count'], error);
      const atMost = d['at-most'] ?? null;
      const atLeast = d['at-least'] ?? null;
      if (atMost === null && atLeast === null) error([...path, 'count'], 'a count needs at-most or at-least');
      if (atMost !== null && atLeast !== null && atLeast > atMost) error([...path, 'at-least'], `at-least ${atLeast} is more than at-most ${atMost}`);
      if (d.after !== undefined) error([...path, 'after'], "'after' goes with eventually");
      const bounds = [atMost === null ? null : `at most ${atMost}`, atLeast === null ? null : `at least ${atLeast}`].filter((x) => x !== null).join(' and ');
      if (event !== null) out.push({ kind, id, per, event, atMost, atLeast, name: d.name ?? `${bounds} ${event.type}${per === null ? '' : ` per ${per}`}` });
    } else if (kind === 'before') {
      const first = pattern(d.before![0]!, [...path, 'before', 0], error);
      const then = pattern(d.before![1]!, [...path, 'before', 1], error);
      bounded(d, path, error);
      if (first !== null && then !== null) out.push({ kind: 'order', id, per, first, then, name: d.name ?? `${first.type} before ${then.type}${per === null ? '' : ` per ${per}`}` });
    } else {
      const event = pattern(d.eventually!, [...path, 'eventually'], error);
      const after = d.after === undefined ? null : pattern(d.after, [...path, 'after'], error);
      bounded(d, path, error);
      if (event !== null && (d.after === undefined || after !== null)) {
        out.push({ kind: 'eventually', id, per, event, after, name: d.name ?? `${after === null ? '' : `after ${after.type}, `}eventually ${event.type}${per === null ? '' : ` per ${per}`}` });
      }
    }
  });
  return out;
}

function isEvent(x: unknown): x is EventData {
  if (typeof x === 'string') return true;
  if (typeof x !== 'object' || x === null || typeof (x as { type?: unknown }).type !== 'string') return false;
  const where = (x as { where?: unknown }).where;
  return where === undefined || (typeof where === 'object' && where !== null && !Array.isArray(where));
}

/** The entry has the shape the schema asks for (else the schema has reported it). */
function wellFormed(d: unknown): d is InvariantData {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return false;
  const e = d as Record<string, unknown>;
  const count = (k: string) => e[k] === undefined || (typeof e[k] === 'number' && Number.isInteger(e[k]) && (e[k] as number) >= 0);
  const text = (k: string) => e[k] === undefined || typeof e[k] === 'string';
  const event = (k: string) => e[k] === undefined || isEvent(e[k]);
  const before = e['before'] === undefined || (Array.isArray(e['before']) && e['before'].length === 2 && e['before'].every(isEvent));
  return count('at-most') && count('at-least') && text('id') && text('name') && text('per') && event('count') && event('eventually') && event('after') && before;
}

/** at-most / at-least belong to count. */
function bounded(d: InvariantData, path: Path, error: ErrorSink): void {
  for (const key of ['at-most', 'at-least'] as const) if (d[key] !== undefined) error([...path, key], `'${key}' goes with count`);
  if (d.before !== undefined && d.after !== undefined) error([...path, 'after'], "'after' goes with eventually");
}

function pattern(data: EventData, path: Path, error: ErrorSink): EventPattern | null {
  const type = typeof data === 'string' ? data : data.type;
  if (!TRACE_EVENT_TYPES.includes(type)) {
    const close = didYouMean(type, TRACE_EVENT_TYPES);
    error(typeof data === 'string' ? path : [...path, 'type'], `no trace event '${type}'`, close !== null ? `did you mean '${close}'?` : 'docs/scenario-format.md "Invariants" lists where the event types are');
    return null;
  }
  return { type, where: new Map(Object.entries(typeof data === 'string' ? {} : (data.where ?? {}))) };
}
