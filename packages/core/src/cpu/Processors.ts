import type { BugCheckInfo } from '../BugCheck.ts';
import type { Engine } from '../Engine.ts';
import { needsNoCpu, type SchedulingGate } from '../SchedulingGate.ts';
import type { TraceEventInput } from '../TraceEvent.ts';
import { SimulationError } from '../SimulationError.ts';
import { PRIORITY, type Routine, type Task } from '../Task.ts';
import { Cpu } from './Cpu.ts';
import { IRQL, irqlName, type Irql } from './Irql.ts';
import type { KDpc } from './KDpc.ts';
import type { KInterrupt } from './KInterrupt.ts';

/**
 * The machine's CPUs and the rules that decide which ready task may run
 * (docs/semantics.md, "The CPU model"):
 *
 * - a task at DISPATCH_LEVEL or above holds one CPU across its scheduling points (a DPC,
 *   an ISR, a thread holding a spin lock); only the innermost holder of a CPU may run;
 * - a DPC runs on its CPU once nothing holds it, in queue order; an ISR pre-empts a CPU
 *   whose IRQL is below its DIRQL, unless its interrupt's spin lock is held elsewhere;
 * - thread-level work (PASSIVE and APC level) runs on any CPU that nothing holds and no
 *   DPC or ISR is waiting for — with every CPU busy it waits.
 *
 * Every task the rules admit is an option of the next choice, so work on different CPUs
 * interleaves in every order the strategy picks.
 */
export class Processors implements SchedulingGate {
  readonly cpus: readonly Cpu[];
  /**
   * The CPU of the running step, kept between steps: the usual step runs on the CPU of the
   * one before, and storing it again at every step cost a write barrier.
   */
  private stepCpu: Cpu;
  /** CPU 0, read at every step. */
  private readonly first: Cpu;
  /** Driver Verifier's IRQL checking: IRQL misuse raises 0xC4 with its subcode. */
  irqlChecking = false;
  private readonly engine: Engine;
  /** Holds + queued DPCs + pending ISRs over all CPUs: zero means no task is held back. */
  private pressure = 0;

  constructor(engine: Engine, count: number) {
    if (!(Number.isInteger(count) && count >= 1 && count <= 64)) {
      throw new SimulationError('bad-option', `a machine has 1 to 64 CPUs, not ${count}`);
    }
    this.engine = engine;
    this.cpus = Array.from({ length: count }, (_, i) => new Cpu(i));
    this.first = this.cpus[0]!;
    this.stepCpu = this.first;
  }

  /** The CPU whose step is running, or null between steps. */
  get current(): Cpu | null {
    return this.engine.current === null ? null : this.stepCpu;
  }

  get constrained(): boolean {
    return this.pressure > 0;
  }

  /** The IRQL of the running step (PASSIVE_LEVEL between steps). */
  get irql(): Irql {
    return this.engine.current?.irql ?? 0; // IRQL.PASSIVE, a literal (see beforeStep)
  }

  /** KeGetCurrentProcessorNumber. */
  get currentIndex(): number {
    return this.current?.index ?? 0;
  }

  // ── the scheduling gate ──────────────────────────────────────────────────────────

  eligible(task: Task): boolean {
    if (task.cpu < 0) return needsNoCpu(task) || this.unboundEligible();
    const cpu = this.cpus[task.cpu]!;
    const depth = cpu.stack.indexOf(task);
    if (depth >= 0) {
      // A holder runs when it is innermost and no ISR above its IRQL is waiting.
      return depth === cpu.stack.length - 1 && !this.isrAbove(cpu, task.irql);
    }
    if (task.kind === 'isr') {
      const interrupt = task.owner as KInterrupt;
      return cpu.irql < task.irql && interrupt.heldBy === null && !this.isrAbove(cpu, task.irql);
    }
    if (task.kind === 'dpc') {
      return cpu.stack.length === 0 && cpu.isrs.length === 0 && cpu.dpcs[0] === task.owner;
    }
    return false;
  }

  unboundEligible(): boolean {
    return this.freeCpu() !== null;
  }

  beforeStep(task: Task): void {
    if (task.cpu >= 0) {
      this.beforeBoundStep(task);
      return;
    }
    // No pressure: nothing holds a CPU or waits for one, so the first is free (the usual step).
    const cpu = this.pressure === 0 ? this.first : (this.freeCpu() ?? this.first);
    if (this.stepCpu !== cpu) this.stepCpu = cpu;
    // A thread woken after waiting at raised IRQL takes a CPU again.
    // IRQL levels as literals on the per-step and per-request paths: V8 does not fold a module's
    // constants (each use was a context load, a map check and a field load; see Memory.pte).
    if (task.irql >= 2 /* IRQL.DISPATCH */) this.hold(cpu, task);
  }

  afterStep(task: Task): void {
    if (task.cpu >= 0) this.afterBoundStep(task);
  }

  // A task bound to a CPU (a DPC, an ISR, a holder of a spin lock) is the rarer case: out of
  // line, so the common step inlines `beforeStep` and `afterStep` whole.
  private beforeBoundStep(task: Task): void {
    const cpu = this.cpus[task.cpu]!;
    if (!cpu.stack.includes(task)) this.start(cpu, task);
    this.stepCpu = cpu;
  }

  private afterBoundStep(task: Task): void {
    const cpu = this.cpus[task.cpu]!;
    if (task.state === 'done') {
      this.release(cpu, task);
      if (task.kind === 'isr') {
        const interrupt = task.owner as KInterrupt;
        interrupt.heldBy = null;
        for (const spinner of interrupt.spinners.splice(0)) this.wakeSpinner(spinner);
      }
    } else if (task.irql < 2 /* IRQL.DISPATCH, see beforeStep */ || (task.state === 'blocked' && task.kind === 'thread' && !this.spinning(task))) {
      // Lowered below DISPATCH_LEVEL, or a thread switched out at raised IRQL: the CPU is free.
      this.release(cpu, task);
    }
  }

  describeStuck(ready: readonly Task[]): string {
    const held = this.cpus
      .filter((cpu) => cpu.stack.length > 0)
      .map((cpu) => `CPU ${cpu.index} is held at ${irqlName(cpu.irql)} by ${cpu.stack[cpu.stack.length - 1]!.name}`);
    const waiting = ready.map((task) => task.name).join(', ');
    return `no CPU can run ${waiting}: ${held.join('; ') || 'every CPU is busy'}`;
  }

  // ── IRQL ─────────────────────────────────────────────────────────────────────────

  /**
   * KeRaiseIrql: raising to DISPATCH_LEVEL or above makes the running task hold its CPU.
   * Raising to a lower IRQL is a bug check (0x9, or 0xC4/0x30 under the verifier).
   */
  raiseIrql(to: Irql): Irql {
    const task = this.running('KeRaiseIrql');
    const from = task.irql;
    if (to < from || to > IRQL.HIGH) {
      this.stop(
        { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [0x30, from, to, 0] },
        { code: 0x9, name: 'IRQL_NOT_GREATER_OR_EQUAL', params: [from, to, 0, 0] },
        `KeRaiseIrql from ${irqlName(from)} to the lower ${irqlName(to)}`,
      );
    }
    this.setIrql(task, to);
    return from;
  }

  /**
   * KeLowerIrql: back to an IRQL at or below the current one. Lowering to a higher IRQL,
   * or below DISPATCH_LEVEL inside a DPC, is a bug check (0xA, or 0xC4/0x31).
   */
  lowerIrql(to: Irql): void {
    const task = this.running('KeLowerIrql');
    const from = task.irql;
    const inDpc = task.kind === 'dpc' && to < IRQL.DISPATCH;
    if (to > from || inDpc) {
      this.stop(
        { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [0x31, from, to, inDpc ? 1 : 0] },
        { code: 0xa, name: 'IRQL_NOT_LESS_OR_EQUAL', params: [0, from, 0, 0] },
        inDpc ? `KeLowerIrql to ${irqlName(to)} inside a DPC` : `KeLowerIrql from ${irqlName(from)} to the higher ${irqlName(to)}`,
      );
    }
    this.setIrql(task, to);
  }

  /** Sets the running task's IRQL, taking or giving back its CPU across DISPATCH_LEVEL. */
  setIrql(task: Task, to: Irql): void {
    const from = task.irql;
    task.irql = to;
    if (from < IRQL.DISPATCH && to >= IRQL.DISPATCH && task.cpu < 0) this.hold(this.current ?? this.cpus[0]!, task);
    else if (from >= IRQL.DISPATCH && to < IRQL.DISPATCH && task.cpu >= 0 && task.kind !== 'dpc') {
      this.release(this.cpus[task.cpu]!, task);
    }
    if (from !== to && this.engine.trace.on) {
      this.engine.trace.emit({ type: 'cpu.irql', cpu: this.currentIndex, from, to });
    }
  }

  // ── DPCs ─────────────────────────────────────────────────────────────────────────

  /**
   * KeInsertQueueDpc: queues the DPC on its target CPU (the current one by default) and
   * returns true, or returns false and does nothing when it is already queued (C30).
   */
  insertQueueDpc(dpc: KDpc, arg1: unknown = null, arg2: unknown = null, onCpu = -1): boolean {
    const on = this.engine.trace.on;
    if (dpc.queuedOn !== null) {
      if (on) this.engine.trace.emit({ type: 'dpc.queue', dpc: dpc.name, cpu: dpc.queuedOn.index, inserted: false });
      return false;
    }
    const index = dpc.target >= 0 ? dpc.target : onCpu >= 0 ? onCpu : this.currentIndex;
    const cpu = this.cpus[index % this.cpus.length]!;
    dpc.queuedOn = cpu;
    if (dpc.importance === 'high') cpu.dpcs.unshift(dpc);
    else cpu.dpcs.push(dpc);
    this.pressure++;
    const task = this.engine.spawn(this.runDpc(dpc, arg1, arg2), {
      kind: 'dpc',
      name: `DPC ${dpc.name}`,
      actor: `DPC ${dpc.name}`,
      owner: dpc,
      priority: PRIORITY.dpc,
      cpu: cpu.index,
      irql: IRQL.DISPATCH,
    });
    dpc.task = task;
    if (on) this.engine.trace.emit({ type: 'dpc.queue', dpc: dpc.name, cpu: cpu.index, inserted: true });
    return true;
  }

  /** KeRemoveQueueDpc: takes a queued DPC out of its queue; false when it was not queued. */
  removeQueueDpc(dpc: KDpc): boolean {
    const cpu = dpc.queuedOn;
    if (cpu === null) return false;
    this.dequeue(dpc);
    if (dpc.task !== null) this.engine.withdraw(dpc.task);
    dpc.task = null;
    return true;
  }

  // ── interrupts ───────────────────────────────────────────────────────────────────

  /**
   * Delivers an interrupt now: the strategy picks the CPU among the interrupt's affinity
   * (a choice of kind `interrupt-cpu`), and the ISR task waits there until the CPU's IRQL
   * is below the interrupt's and no other CPU holds the interrupt spin lock.
   */
  interrupt(interrupt: KInterrupt): Task {
    const allowed = interrupt.affinity?.filter((i) => i < this.cpus.length) ?? this.cpus.map((c) => c.index);
    const candidates = allowed.length > 0 ? allowed : [0];
    const cpu = this.cpus[candidates[this.engine.choose(candidates.length, 'interrupt-cpu')]!]!;
    interrupt.count++;
    const task = this.engine.spawn(this.runIsr(interrupt), {
      kind: 'isr',
      name: `ISR ${interrupt.name}`,
      actor: `ISR ${interrupt.name}`,
      owner: interrupt,
      priority: PRIORITY.interrupt,
      cpu: cpu.index,
      irql: interrupt.irql,
    });
    cpu.isrs.push(task);
    this.pressure++;
    if (this.engine.trace.on) {
      this.engine.trace.emit({ type: 'cpu.interrupt', interrupt: interrupt.name, cpu: cpu.index, irql: interrupt.irql });
    }
    return task;
  }

  // ── internals ────────────────────────────────────────────────────────────────────

  private *runDpc(dpc: KDpc, arg1: unknown, arg2: unknown): Routine<void> {
    dpc.runs++;
    if (this.engine.trace.on) this.engine.trace.emit({ type: 'dpc.run', dpc: dpc.name, cpu: this.currentIndex });
    yield* dpc.routine(dpc, arg1, arg2);
    const task = this.engine.current!;
    if (task.irql !== IRQL.DISPATCH) {
      this.stop(
        { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [0x31, task.irql, IRQL.DISPATCH, 0] },
        { code: 0xa, name: 'IRQL_NOT_LESS_OR_EQUAL', params: [0, task.irql, 0, 0] },
        `DPC ${dpc.name} returned at ${irqlName(task.irql)} instead of DISPATCH_LEVEL`,
      );
    }
  }

  private *runIsr(interrupt: KInterrupt): Routine<void> {
    const claimed = yield* interrupt.isr(interrupt);
    if (this.engine.trace.on) {
      this.engine.trace.emit({ type: 'cpu.isr.end', interrupt: interrupt.name, cpu: this.currentIndex, claimed: claimed === true });
    }
  }

  /** A DPC or ISR starts on its CPU: it leaves its queue and holds the CPU. */
  private start(cpu: Cpu, task: Task): void {
    if (task.kind === 'dpc') {
      this.dequeue(task.owner as KDpc);
      (task.owner as KDpc).task = null;
    } else if (task.kind === 'isr') {
      const i = cpu.isrs.indexOf(task);
      if (i >= 0) {
        cpu.isrs.splice(i, 1);
        this.pressure--;
      }
      (task.owner as KInterrupt).heldBy = cpu;
    }
    this.hold(cpu, task);
  }

  private dequeue(dpc: KDpc): void {
    const cpu = dpc.queuedOn;
    if (cpu === null) return;
    const i = cpu.dpcs.indexOf(dpc);
    if (i >= 0) {
      cpu.dpcs.splice(i, 1);
      this.pressure--;
    }
    dpc.queuedOn = null;
  }

  private hold(cpu: Cpu, task: Task): void {
    task.cpu = cpu.index;
    cpu.stack.push(task);
    this.pressure++;
  }

  private release(cpu: Cpu, task: Task): void {
    const i = cpu.stack.lastIndexOf(task);
    if (i >= 0) {
      cpu.stack.splice(i, 1);
      this.pressure--;
    }
    task.cpu = -1;
  }

  /** The lowest-numbered CPU thread-level work may use, or null. */
  private freeCpu(): Cpu | null {
    const cpus = this.cpus;
    // No pressure: nothing holds a CPU or waits for one, so the first is free.
    if (this.pressure === 0) return cpus[0]!;
    for (let i = 0; i < cpus.length; i++) if (cpus[i]!.free) return cpus[i]!;
    return null;
  }

  private isrAbove(cpu: Cpu, irql: Irql): boolean {
    for (const isr of cpu.isrs) {
      if (isr.irql > irql && (isr.owner as KInterrupt).heldBy === null) return true;
    }
    return false;
  }

  /** A task blocked spinning on a spin lock keeps its CPU (it is busy-waiting). */
  private spinning(task: Task): boolean {
    return this.spinners.has(task);
  }

  /** Tasks busy-waiting for a spin lock; they keep their CPUs while blocked. @internal */
  readonly spinners = new Set<Task>();

  private running(ddi: string): Task {
    const task = this.engine.current;
    if (task === null) throw new SimulationError('invalid-state', `${ddi} outside a running routine`);
    return task;
  }

  /** The task whose step is running. @internal */
  runningTask(): Task {
    return this.running('a kernel routine');
  }

  /** Ends a spinner's busy wait so it tries the lock again. @internal */
  wakeSpinner(task: Task): void {
    if (task.state === 'blocked') this.engine.wake(task);
  }

  get traceOn(): boolean {
    return this.engine.trace.on;
  }

  emit(event: TraceEventInput): void {
    this.engine.trace.emit(event);
  }

  /** Raises the verifier's bug check when IRQL checking is on, else Windows's own. */
  stop(verifier: Omit<BugCheckInfo, 'message'>, plain: Omit<BugCheckInfo, 'message'>, message: string): never {
    return this.engine.bugcheck({ ...(this.irqlChecking ? verifier : plain), message });
  }
}
