/**
 * The trace: one discriminated union of events with namespaced `type` strings. Each
 * package adds its own events by augmenting `TraceEventMap`:
 *
 * ```ts
 * declare module '@irpsim/core' {
 *   interface TraceEventMap { 'io.irp.complete': { irp: number; status: number } }
 * }
 * ```
 *
 * Every event carries `seq` (1, 2, 3, … per run), `t` (simulated nanoseconds), `type`
 * and `actor` (who was running: `app/main`, `System/boot`, a DPC). Fields are plain JSON
 * values so a trace serialises as is.
 */

// Augmented by each package; the core's own events are declared in coreEvents.ts.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TraceEventMap {}

export type TraceEventType = keyof TraceEventMap & string;

/** An event as emitted: `seq` and `t` are filled in by the trace. */
export type TraceEventInput = {
  [K in TraceEventType]: { type: K } & TraceEventMap[K];
}[TraceEventType];

export type TraceEvent = {
  [K in TraceEventType]: { seq: number; t: number; type: K; actor: string } & TraceEventMap[K];
}[TraceEventType];

/** The event of one type. */
export type TraceEventOf<K extends TraceEventType> = { seq: number; t: number; type: K; actor: string } & TraceEventMap[K];
