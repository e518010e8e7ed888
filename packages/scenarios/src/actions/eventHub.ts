import type { Engine, TraceEvent } from '@irpsim/core';

/** The listeners of each engine's hub: one monitor per engine, installed on first use. */
const hubs = new WeakMap<Engine, Set<(event: TraceEvent) => void>>();

/**
 * Listens to the events of `engine` as they are emitted, not after the step as trace
 * subscribers are: what an expectation reads then is the state at that instant — the
 * thread that is running, a system buffer before the dispatch routine writes its answer
 * (driverSaw.ts). One monitor per engine carries every listener, so an action can stop
 * listening when it returns (monitors cannot be removed).
 */
export function listenAsEmitted(engine: Engine, listener: (event: TraceEvent) => void): { unsubscribe(): void } {
  let listeners = hubs.get(engine);
  if (listeners === undefined) {
    const set = new Set<(event: TraceEvent) => void>();
    hubs.set(engine, (listeners = set));
    engine.addMonitor({
      name: 'scenario expectations',
      onEvent(event) {
        for (const l of set) l(event);
      },
    });
  }
  const set = listeners;
  set.add(listener);
  return { unsubscribe: () => void set.delete(listener) };
}
