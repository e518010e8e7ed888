import { EventEmitter } from 'eventemitter3';
import type { TraceEvent, TraceEventInput } from './TraceEvent.ts';

/** A read-only listener. It never changes a run; an error it throws is contained. */
export type TraceListener = (event: TraceEvent) => void;

/**
 * A monitor's view of events: called synchronously as each event is emitted, before the
 * step that emitted it finishes, so a monitor can stop the run at the offending event.
 */
export type EventHook = (event: TraceEvent) => void;

/**
 * Records trace events and tells observers about them. Building an event costs
 * something, so emit sites check `trace.on` first: with nobody recording, listening or
 * monitoring, no event object is ever created.
 */
export class Trace {
  /** True when anybody consumes events; emit sites test it before building an event. */
  on = false;
  /** Number of events emitted so far; the next event gets `seq = count + 1`. */
  count = 0;
  private recorded: TraceEvent[] | null = null;
  private readonly hooks: EventHook[] = [];
  private readonly bus = new EventEmitter<{ event: [TraceEvent] }>();
  private undelivered: TraceEvent[] = [];
  /** The bus has listeners: kept by `update()` rather than asked of the bus at every emit. */
  private delivering = false;
  private readonly listenerErrors: unknown[] = [];

  private readonly clock: { readonly now: number; readonly current: { readonly actor: string } | null };

  constructor(clock: { readonly now: number; readonly current: { readonly actor: string } | null }) {
    this.clock = clock;
  }

  /** Starts keeping every event in memory (see `events`). */
  record(): void {
    this.recorded ??= [];
    this.update();
  }

  /** The recorded events (empty unless `record()` was called). */
  get events(): readonly TraceEvent[] {
    return this.recorded ?? [];
  }

  /** Errors thrown by listeners, which were contained. */
  get errors(): readonly unknown[] {
    return this.listenerErrors;
  }

  /** Adds a read-only listener, told of events after the step that emitted them. */
  subscribe(listener: TraceListener): { unsubscribe(): void } {
    this.bus.on('event', listener);
    this.update();
    return {
      unsubscribe: () => {
        this.bus.off('event', listener);
        this.update();
      },
    };
  }

  /** Adds a monitor hook (see `EventHook`). @internal — use the engine's monitor API. */
  addHook(hook: EventHook): void {
    this.hooks.push(hook);
    this.update();
  }

  emit(input: TraceEventInput): void {
    const event = input as TraceEvent;
    event.seq = ++this.count;
    event.t = this.clock.now;
    event.actor = this.clock.current?.actor ?? 'system';
    this.recorded?.push(event);
    for (const hook of this.hooks) hook(event);
    if (this.delivering) this.undelivered.push(event);
  }

  /** Delivers pending events to listeners; the engine calls it after each step. */
  flush(): void {
    if (this.undelivered.length === 0) return;
    const batch = this.undelivered;
    this.undelivered = [];
    for (const event of batch) {
      try {
        this.bus.emit('event', event);
      } catch (error) {
        this.listenerErrors.push(error);
      }
    }
  }

  private update(): void {
    this.delivering = this.bus.listenerCount('event') > 0;
    this.on = this.recorded !== null || this.hooks.length > 0 || this.delivering;
  }
}
