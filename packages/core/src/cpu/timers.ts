import type { Engine } from '../Engine.ts';
import { satisfyWaiters } from '../dispatcher/waits.ts';
import type { KTimer } from '../dispatcher/KTimer.ts';
import { PRIORITY, type Routine } from '../Task.ts';
import type { KDpc } from './KDpc.ts';
import type { Processors } from './Processors.ts';

/**
 * KeSetTimerEx: arms the timer to expire `dueNs` from now (then every `periodNs` when
 * periodic), cancelling it first if it was set; clears its signal state. Returns true
 * when the timer was already set. Expiry is clock bookkeeping — it needs no free CPU —
 * and queues the DPC on the CPU that set the timer.
 */
export function setTimer(engine: Engine, cpus: Processors, timer: KTimer, dueNs: number, periodNs = 0, dpc: KDpc | null = null): boolean {
  const wasSet = cancelTimer(engine, timer);
  timer.signalState = 0;
  timer.periodNs = Math.max(0, periodNs);
  timer.dpc = dpc;
  timer.cpu = cpus.currentIndex;
  arm(engine, cpus, timer, Math.max(0, dueNs));
  if (engine.trace.on) engine.trace.emit({ type: 'timer.set', timer: timer.name, dueNs: Math.max(0, dueNs), periodNs: timer.periodNs });
  return wasSet;
}

/** KeCancelTimer: disarms the timer; true when it was set. Its signal state is unchanged. */
export function cancelTimer(engine: Engine, timer: KTimer): boolean {
  if (timer.entry === null) return false;
  engine.withdraw(timer.entry);
  timer.entry = null;
  timer.dueAt = null;
  return true;
}

function arm(engine: Engine, cpus: Processors, timer: KTimer, delay: number): void {
  timer.dueAt = engine.now + delay;
  timer.entry = engine.spawn(expire(engine, cpus, timer), {
    kind: 'timer',
    name: `timer ${timer.name}`,
    actor: 'clock',
    priority: PRIORITY.dpc,
    delay,
    // A periodic timer runs forever: it must not make a blocked run look alive.
    background: timer.periodNs > 0,
  });
}

function* expire(engine: Engine, cpus: Processors, timer: KTimer): Routine<void> {
  timer.entry = null;
  timer.dueAt = null;
  timer.fired++;
  timer.signalState = 1;
  if (engine.trace.on) engine.trace.emit({ type: 'timer.fire', timer: timer.name, cpu: timer.cpu });
  satisfyWaiters(engine, timer);
  if (timer.dpc !== null) cpus.insertQueueDpc(timer.dpc, null, null, timer.cpu);
  if (timer.periodNs > 0) arm(engine, cpus, timer, timer.periodNs);
}
