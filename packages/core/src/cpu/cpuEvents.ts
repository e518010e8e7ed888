/** Trace events of the CPU model: IRQL changes, interrupts, DPCs, spin locks, timers, work items. */
declare module '../TraceEvent.ts' {
  interface TraceEventMap {
    'cpu.irql': { cpu: number; from: number; to: number };
    'cpu.interrupt': { interrupt: string; cpu: number; irql: number };
    'cpu.isr.end': { interrupt: string; cpu: number; claimed: boolean };
    /** KeInsertQueueDpc: `inserted` is false when the DPC was already queued (C30). */
    'dpc.queue': { dpc: string; cpu: number; inserted: boolean };
    'dpc.run': { dpc: string; cpu: number };
    'spinlock.spin': { lock: string; cpu: number; holder: string };
    'spinlock.acquire': { lock: string; cpu: number };
    'spinlock.release': { lock: string; cpu: number };
    'timer.set': { timer: string; dueNs: number; periodNs: number };
    'timer.fire': { timer: string; cpu: number };
    'workitem.queue': { item: string };
    'workitem.run': { item: string; tid: number };
  }
}

export {};
