/**
 * A simple invariant a scenario declares (`invariants:`, docs/scenario-format.md): a count,
 * an ordering or an "eventually" condition over named trace events. `per` groups the events
 * by one of their fields (e.g. `irp`); `where` keeps only events whose fields equal the
 * values given.
 */
export type ScenarioInvariant = CountInvariant | OrderInvariant | EventuallyInvariant;

/** Which events an invariant looks at. */
export interface EventPattern {
  readonly type: string;
  readonly where: ReadonlyMap<string, string | number | boolean | null>;
}

interface InvariantBase {
  /** The check id its violations carry. */
  readonly id: string;
  /** One line saying what it requires. */
  readonly name: string;
  /** The event field that groups events (null: one group). */
  readonly per: string | null;
}

/** At most / at least `n` matching events (per group); at-least is judged at quiescence. */
export interface CountInvariant extends InvariantBase {
  readonly kind: 'count';
  readonly event: EventPattern;
  readonly atMost: number | null;
  readonly atLeast: number | null;
}

/** Every `then` event (per group) comes after a `first` event of the same group. */
export interface OrderInvariant extends InvariantBase {
  readonly kind: 'order';
  readonly first: EventPattern;
  readonly then: EventPattern;
}

/**
 * At quiescence, every `after` event (per group) has been followed by an `event` of the same
 * group; without `after`, at least one `event` occurred.
 */
export interface EventuallyInvariant extends InvariantBase {
  readonly kind: 'eventually';
  readonly event: EventPattern;
  readonly after: EventPattern | null;
}
