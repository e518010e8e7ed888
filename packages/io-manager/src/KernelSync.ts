import {
  IRQL,
  KDpc,
  KEvent,
  KInterrupt,
  KSpinLock,
  KTimer,
  STATUS,
  acquireSpinLock,
  acquireSpinLockAtDpcLevel,
  cancelTimer,
  releaseSpinLock,
  releaseSpinLockFromDpcLevel,
  resetEvent,
  setEvent,
  setTimer,
  synchronizeExecution,
  waitForObjects,
  type DeferredRoutine,
  type DispatcherObject,
  type DpcImportance,
  type Irql,
  type Machine,
  type NtStatus,
  type Routine,
  type ServiceRoutine,
  type Thread,
} from '@irpsim/core';
import { mapLockedPagesInSystem, mapLockedPagesInUser } from './mapLockedPages.ts';
import type { Mdl } from './Mdl.ts';
import type { KProcessorMode } from './refs.ts';

/** Kernel timeouts: 100-ns units, negative = relative, positive = absolute, 0 = test only. */
function timeoutNs(machine: Machine, timeout: number | null): number | null {
  if (timeout === null) return null;
  return timeout < 0 ? -timeout * 100 : Math.max(0, timeout * 100 - machine.now);
}

/**
 * The kernel's synchronisation and CPU DDIs — IRQL, spin locks, DPCs, timers, events,
 * waits, interrupts, work items, system threads, MDL mappings — by their Windows names.
 * The `Kernel` every driver gets extends this. Timeouts and due times are in 100-ns units
 * (negative: relative), as in WDM.
 */
export abstract class KernelSync {
  /** @internal */
  abstract get _machine(): Machine;

  // ── IRQL ─────────────────────────────────────────────────────────────────────────

  KeGetCurrentIrql(): Irql {
    return this._machine.cpus.irql;
  }

  /** KeRaiseIrql: returns the old IRQL (the `OldIrql` out-parameter). */
  KeRaiseIrql(newIrql: Irql): Irql {
    return this._machine.cpus.raiseIrql(newIrql);
  }

  KeRaiseIrqlToDpcLevel(): Irql {
    return this._machine.cpus.raiseIrql(IRQL.DISPATCH);
  }

  /** KeLowerIrql: a scheduling point, so a DPC the lowering unblocks may run first. */
  *KeLowerIrql(newIrql: Irql): Routine<void> {
    this._machine.cpus.lowerIrql(newIrql);
    yield 0;
  }

  KeGetCurrentProcessorNumber(): number {
    return this._machine.cpus.currentIndex;
  }

  // ── spin locks ───────────────────────────────────────────────────────────────────

  KeInitializeSpinLock(name = 'spin lock'): KSpinLock {
    return new KSpinLock(name);
  }

  /** KeAcquireSpinLock: returns the old IRQL to hand to KeReleaseSpinLock. */
  KeAcquireSpinLock(lock: KSpinLock): Routine<Irql> {
    return acquireSpinLock(this._machine.cpus, lock);
  }

  KeReleaseSpinLock(lock: KSpinLock, oldIrql: Irql): Routine<void> {
    return releaseSpinLock(this._machine.cpus, lock, oldIrql);
  }

  KeAcquireSpinLockAtDpcLevel(lock: KSpinLock): Routine<void> {
    return acquireSpinLockAtDpcLevel(this._machine.cpus, lock);
  }

  KeReleaseSpinLockFromDpcLevel(lock: KSpinLock): Routine<void> {
    return releaseSpinLockFromDpcLevel(this._machine.cpus, lock);
  }

  // ── DPCs ─────────────────────────────────────────────────────────────────────────

  KeInitializeDpc(name: string, routine: DeferredRoutine): KDpc {
    return new KDpc(name, routine);
  }

  /** KeInsertQueueDpc: false when the DPC is already queued (C30). */
  KeInsertQueueDpc(dpc: KDpc, arg1: unknown = null, arg2: unknown = null): boolean {
    return this._machine.cpus.insertQueueDpc(dpc, arg1, arg2);
  }

  KeRemoveQueueDpc(dpc: KDpc): boolean {
    return this._machine.cpus.removeQueueDpc(dpc);
  }

  KeSetTargetProcessorDpc(dpc: KDpc, cpu: number): void {
    dpc.target = cpu;
  }

  KeSetImportanceDpc(dpc: KDpc, importance: DpcImportance): void {
    dpc.importance = importance;
  }

  // ── timers ───────────────────────────────────────────────────────────────────────

  KeInitializeTimerEx(name: string, type: 'notification' | 'synchronization' = 'notification'): KTimer {
    return new KTimer(name, type);
  }

  /** KeSetTimer: true when the timer was already set (it is re-armed). */
  KeSetTimer(timer: KTimer, dueTime: number, dpc: KDpc | null = null): boolean {
    return this.KeSetTimerEx(timer, dueTime, 0, dpc);
  }

  /** KeSetTimerEx: `periodMs` > 0 makes it periodic. */
  KeSetTimerEx(timer: KTimer, dueTime: number, periodMs: number, dpc: KDpc | null = null): boolean {
    const m = this._machine;
    return setTimer(m.engine, m.cpus, timer, timeoutNs(m, dueTime) ?? 0, periodMs * 1_000_000, dpc);
  }

  KeCancelTimer(timer: KTimer): boolean {
    return cancelTimer(this._machine.engine, timer);
  }

  KeReadStateTimer(timer: KTimer): boolean {
    return timer.signalState > 0;
  }

  // ── events and waits ─────────────────────────────────────────────────────────────

  KeInitializeEvent(type: 'notification' | 'synchronization', signalled = false): KEvent {
    return new KEvent(type, signalled);
  }

  /** KeSetEvent: returns the previous state, non-zero when it was already signalled (C12). */
  KeSetEvent(event: KEvent, _increment = 0, _wait = false): number {
    return setEvent(this._machine.engine, event);
  }

  KeResetEvent(event: KEvent): number {
    return resetEvent(event);
  }

  KeClearEvent(event: KEvent): void {
    resetEvent(event);
  }

  KeReadStateEvent(event: KEvent): number {
    return event.signalState;
  }

  /** KeWaitForSingleObject (C13): `timeout` null waits forever, 0 only tests. */
  KeWaitForSingleObject(object: DispatcherObject, waitMode: KProcessorMode = 'KernelMode', alertable = false, timeout: number | null = null): Routine<NtStatus> {
    return this.KeWaitForMultipleObjects([object], 'WaitAny', waitMode, alertable, timeout);
  }

  KeWaitForMultipleObjects(
    objects: readonly DispatcherObject[],
    waitType: 'WaitAll' | 'WaitAny',
    waitMode: KProcessorMode = 'KernelMode',
    alertable = false,
    timeout: number | null = null,
  ): Routine<NtStatus> {
    const m = this._machine;
    return waitForObjects(m.engine, m.currentThreadOrNull(), objects, {
      waitAll: waitType === 'WaitAll',
      mode: waitMode === 'UserMode' ? 'user' : 'kernel',
      alertable,
      timeoutNs: timeoutNs(m, timeout),
    });
  }

  /** KeDelayExecutionThread: `interval` in 100-ns units, negative = relative. */
  *KeDelayExecutionThread(waitMode: KProcessorMode, alertable: boolean, interval: number): Routine<NtStatus> {
    const status = yield* this.KeWaitForMultipleObjects([], 'WaitAny', waitMode, alertable, interval);
    if (interval === 0) yield 0; // a zero delay still gives up the CPU
    return status === STATUS.TIMEOUT ? STATUS.SUCCESS : status;
  }

  // ── interrupts, work items, system threads ───────────────────────────────────────

  /** IoConnectInterrupt: an interrupt object whose ISR runs at `irql` (a DIRQL, 3 … 26). */
  IoConnectInterrupt(name: string, irql: Irql, isr: ServiceRoutine, affinity: readonly number[] | null = null): KInterrupt {
    return new KInterrupt(name, irql, isr, affinity);
  }

  KeSynchronizeExecution<T>(interrupt: KInterrupt, routine: () => Routine<T>): Routine<T> {
    return synchronizeExecution(this._machine.cpus, interrupt, routine);
  }

  /** IoQueueWorkItem / ExQueueWorkItem: runs `routine` in a System worker thread at PASSIVE_LEVEL. */
  IoQueueWorkItem(name: string, routine: (thread: Thread) => Routine<void>): void {
    this._machine.workQueue.queue({ name, routine });
  }

  /** PsCreateSystemThread: a thread in the System process, in kernel mode at PASSIVE_LEVEL. */
  PsCreateSystemThread(name: string, body: (thread: Thread) => Routine<unknown>): Thread {
    return this._machine.createSystemThread(name, body);
  }

  // ── MDL mappings ─────────────────────────────────────────────────────────────────

  /** MmGetSystemAddressForMdlSafe: the MDL's pages in system space (valid in any context). */
  MmGetSystemAddressForMdlSafe(mdl: Mdl): number {
    return mapLockedPagesInSystem(this._machine, mdl);
  }

  /**
   * MmMapLockedPagesSpecifyCache: KernelMode maps into system space; UserMode maps into
   * the user half of whichever process is current — the requester's only in its own
   * thread context (see mapLockedPages.ts).
   */
  MmMapLockedPagesSpecifyCache(mdl: Mdl, accessMode: KProcessorMode): number {
    return accessMode === 'KernelMode' ? mapLockedPagesInSystem(this._machine, mdl) : mapLockedPagesInUser(this._machine, mdl).address;
  }
}
