import { BugCheckSignal, type BugCheckInfo } from './BugCheck.ts';
import { DEFAULT_COST_MODEL, type CostModel } from './CostModel.ts';
import { abandonMutants, signalExit } from './dispatcher/events.ts';
import { interruptWait } from './dispatcher/waits.ts';
import { Engine, type Budget } from './Engine.ts';
import { illegalWait, pageableAtRaisedIrql, returnAtRaisedIrql } from './cpu/irqlRules.ts';
import type { KInterrupt } from './cpu/KInterrupt.ts';
import { Processors } from './cpu/Processors.ts';
import { SystemWorkQueue } from './SystemWorkQueue.ts';
import { describeError, kernelFault } from './kernelFault.ts';
import { PAGE_SIZE } from './memory/layout.ts';
import { Memory } from './memory/Memory.ts';
import { STATUS, type NtStatus } from './ntstatus.ts';
import { ProcessType, ThreadType } from './objects/coreTypes.ts';
import type { HandleTable } from './objects/HandleTable.ts';
import { ObjectManager } from './objects/ObjectManager.ts';
import { Process } from './Process.ts';
import { registerCoreServices } from './services/registerCoreServices.ts';
import { SimException } from './SimException.ts';
import { SimulationError } from './SimulationError.ts';
import type { Strategy } from './Strategy.ts';
import { SystemCall } from './SystemCall.ts';
import type { SystemService, SystemServiceArgs, SystemServiceName } from './SystemServices.ts';
import { PRIORITY, type Routine, type Task } from './Task.ts';
import { Thread, type UserApc } from './Thread.ts';
import { ThreadTermination } from './ThreadTermination.ts';
import type { Trace } from './Trace.ts';

export interface MachineOptions {
  readonly strategy: Strategy;
  readonly cost?: Partial<CostModel>;
  readonly budget?: Partial<Budget>;
  /** Number of CPUs (default 2). */
  readonly cpus?: number;
  /** System worker threads (default: one per CPU, at least 2). */
  readonly workerThreads?: number;
}

/** Extra facts about a fault (the driver that was running, the IRP involved). */
export type FaultAnalyzer = (task: Task) => { driver?: string; analysis?: Record<string, unknown> };

/** Runs when a thread exits, before its mutexes are abandoned (the I/O manager cancels its IRPs). */
export type ThreadExitHook = (thread: Thread) => Routine<void>;

/**
 * The simulated computer: the engine and everything it runs on — memory, the object
 * manager, processes and threads, and the system-call gate whose service table upper
 * layers fill in.
 */
export class Machine {
  readonly engine: Engine;
  /** The engine's trace, as a field: read on every request's path, where a getter was a call and a load more. */
  readonly trace: Trace;
  readonly cost: CostModel;
  readonly memory = new Memory();
  readonly objects: ObjectManager;
  readonly system: Process;
  readonly processes: Process[] = [];
  readonly faultAnalyzers: FaultAnalyzer[] = [];
  readonly threadExitHooks: ThreadExitHook[] = [];
  /** The CPUs: IRQL, DPC queues, which task may run (docs/semantics.md, "The CPU model"). */
  readonly cpus: Processors;
  /** The system work queue (ExQueueWorkItem / IoQueueWorkItem). */
  readonly workQueue: SystemWorkQueue;
  private readonly services = new Map<string, SystemService<SystemServiceName>>();
  /**
   * The service looked up last, by name: programs make the same call again and again, and
   * the map's lookup hashes the name at every system call. Forgotten when a service is
   * registered.
   */
  private lastServiceName: string | null = null;
  private lastService: SystemService<SystemServiceName> | null = null;
  private nextProcessId = 4;
  private nextThreadId = 1;

  constructor(options: MachineOptions) {
    this.engine = new Engine({ strategy: options.strategy, ...(options.budget ? { budget: options.budget } : {}) });
    this.trace = this.engine.trace;
    this.cost = { ...DEFAULT_COST_MODEL, ...options.cost };
    this.objects = new ObjectManager(this.engine);
    this.cpus = new Processors(this.engine, options.cpus ?? 2);
    this.engine.gate = this.cpus;
    this.engine.contextSwitchNs = this.cost.contextSwitch;
    this.memory.pageableAtRaisedIrql = (address, write) => pageableAtRaisedIrql(this.cpus, address, write);
    this.engine.illegalWait = (task, timeoutNs) => illegalWait(this.cpus, task, timeoutNs);
    this.workQueue = new SystemWorkQueue(this, options.workerThreads ?? Math.max(2, this.cpus.cpus.length));
    for (const dir of ['\\Device', '\\??', '\\Driver', '\\BaseNamedObjects', '\\ObjectTypes']) {
      this.objects.createDirectory(dir);
    }
    this.objects.createSymbolicLink('\\DosDevices', '\\??');
    // One \?? serves as the global DOS-device directory; \\.\Global\X names it too (IO-9.1).
    this.objects.createSymbolicLink('\\??\\Global', '\\??');
    this.system = this.addProcess('System', true);
    this.memory.onKernelFault = (address, write) =>
      this.bugcheck({
        code: 0x50,
        name: 'PAGE_FAULT_IN_NONPAGED_AREA',
        params: [address, write ? 1 : 0, 0, 0],
        message: `kernel-mode ${write ? 'write to' : 'read of'} invalid system address 0x${(address >>> 0).toString(16).toUpperCase()}`,
      });
    this.memory.onSectionTouch = (section, page, frame) => {
      if (this.trace.on) this.trace.emit({ type: 'mem.section.touch', section: section.name, page, frame });
    };
    this.engine.onTaskError = (task, error) => kernelFault(this, task, error);
    registerCoreServices(this);
  }

  get now(): number {
    return this.engine.now;
  }

  // ── processes and threads ────────────────────────────────────────────────────────

  createProcess(name: string): Process {
    const process = this.addProcess(name, false);
    if (this.trace.on) this.trace.emit({ type: 'process.create', pid: process.id, name });
    return process;
  }

  /**
   * Starts a thread. A user thread starts in user mode and keeps the run alive; when its
   * body returns it exits, and the process exits with its last thread.
   */
  createThread(
    process: Process,
    name: string,
    body: (thread: Thread) => Routine<unknown>,
    options: { delay?: number; background?: boolean; keepAlive?: boolean } = {},
  ): Thread {
    const thread = new Thread(this.nextThreadId++, process, name);
    thread.object = this.objects.create(ThreadType, thread);
    process.threads.push(thread);
    if (!process.isSystem) {
      const stack = this.memory.allocateUser(process.space, PAGE_SIZE, undefined, `stack of ${name}`);
      if (stack === null) throw new SimulationError('invalid-state', `no address space left for a stack in ${process.name}`);
      thread.userStack = stack;
    }
    thread.task = this.engine.spawn(this.threadMain(thread, body), {
      kind: 'thread',
      name: thread.label,
      actor: thread.label,
      owner: thread,
      // A user thread keeps the run going until it ends; a system thread only when asked (a scenario's kernel thread).
      keepAlive: options.keepAlive ?? !process.isSystem,
      background: options.background ?? false,
      priority: PRIORITY.thread,
      ...(options.delay !== undefined ? { delay: options.delay } : {}),
    });
    if (this.trace.on) this.trace.emit({ type: 'thread.create', tid: thread.id, pid: process.id, name: thread.label });
    return thread;
  }

  createSystemThread(name: string, body: (thread: Thread) => Routine<unknown>, options: { background?: boolean } = {}): Thread {
    return this.createThread(this.system, name, body, options);
  }

  /** The thread whose step is running; throws outside a thread's context. */
  currentThread(): Thread {
    const owner = this.engine.current?.owner;
    if (owner instanceof Thread) return owner;
    throw new SimulationError('invalid-state', 'no thread is running (a DPC or timer has no thread)');
  }

  /** The running thread (or the thread an APC runs in), or null in a DPC, timer or ISR. */
  currentThreadOrNull(): Thread | null {
    const owner = this.engine.current?.owner;
    return owner instanceof Thread ? owner : null;
  }

  /**
   * The process whose address space is current. A DPC, timer or ISR borrows whichever
   * process was running when it started — the "arbitrary thread context" of Windows.
   */
  currentProcess(): Process {
    const owner = this.engine.current?.owner;
    if (owner instanceof Thread) return owner.process;
    const last = this.engine.lastThread?.owner;
    return last instanceof Thread ? last.process : this.system;
  }

  /** Queues a user APC; an alertable UserMode wait of the thread ends to run it. */
  queueUserApc(thread: Thread, apc: UserApc): void {
    if (thread.exitStatus !== null) return;
    thread.userApcs.push(apc);
    if (this.trace.on) this.trace.emit({ type: 'apc.queue', tid: thread.id, label: apc.label });
    interruptWait(this.engine, thread, 'user-apc');
  }

  /**
   * Asks a thread to terminate. The current thread stops at once; another thread stops at
   * its next UserMode wait or return to user mode, as on Windows.
   */
  terminateThread(thread: Thread, status: NtStatus): void {
    if (thread.exitStatus !== null || thread.terminating !== null) return;
    thread.terminating = status;
    if (thread === this.currentThreadOrNull() && this.engine.current === thread.task) throw new ThreadTermination(status);
    interruptWait(this.engine, thread, 'terminate');
  }

  /** Terminates every thread of a process; the process exits with its last thread. */
  terminateProcess(process: Process, status: NtStatus): void {
    if (process.hasExited || process.terminating !== null) return;
    process.terminating = status;
    const self = this.currentThreadOrNull();
    for (const thread of process.threads) if (thread !== self) this.terminateThread(thread, status);
    if (self !== null && self.process === process) this.terminateThread(self, status);
  }

  // ── the system-call gate ─────────────────────────────────────────────────────────

  registerService<K extends SystemServiceName>(name: K, service: SystemService<K>): void {
    this.services.set(name, service as unknown as SystemService<SystemServiceName>);
    this.lastServiceName = null;
    this.lastService = null;
  }

  /**
   * A system call from user mode: trap into kernel mode, run the service with
   * PreviousMode = UserMode, return to user mode with its NTSTATUS (IO-10.1). On the way
   * back a pending termination takes effect and pending user APCs run.
   */
  systemCall<K extends SystemServiceName>(name: K, args: SystemServiceArgs[K]): Routine<NtStatus> {
    // Its own frame: the Win32 call and the program above it are not re-entered at the trap, in the service and at the return.
    return this.engine.called(new SystemCall(this, name, args) as unknown as Routine<NtStatus>);
  }

  /**
   * `systemCall` for a caller that takes the effect itself, without the `EngineCall` object
   * `yield*` needs (as services call IoCallDriver):
   * `const status = ((yield machine.systemCallEffect(name, args)) as NtStatus) >>> 0`.
   * @internal
   */
  systemCallEffect<K extends SystemServiceName>(name: K, args: SystemServiceArgs[K]): number {
    const call = new SystemCall(this, name, args);
    return this.engine.callWith(call as unknown as Routine<NtStatus>, call.next);
  }

  /** systemCall's entry (`SystemCall`): the trap into kernel mode; returns the service. @internal */
  enterSystemCall(thread: Thread, name: SystemServiceName): SystemService<SystemServiceName> {
    if (thread.mode !== 'user') throw new SimulationError('invalid-state', `${name}: a system call trap needs user mode`);
    const service = this.service(name);
    thread.mode = 'kernel';
    thread.previousMode = 'user';
    thread.service = name;
    if (this.trace.on) this.trace.emit({ type: 'syscall.enter', tid: thread.id, service: name, previousMode: 'user', trap: true });
    return service;
  }

  /** systemCall's return to user mode; the user APCs to deliver first, if any. @internal */
  leaveSystemCall(thread: Thread, name: SystemServiceName, status: NtStatus): Routine<void> | null {
    thread.lastStatus = status;
    if (thread.task.irql !== 0 /* IRQL.PASSIVE, a literal: see Processors.beforeStep */) returnAtRaisedIrql(this.cpus, thread, name);
    if (this.trace.on) this.trace.emit({ type: 'syscall.exit', tid: thread.id, service: name, status, trap: true });
    thread.service = null;
    thread.mode = 'user';
    if (thread.terminating !== null) throw new ThreadTermination(thread.terminating);
    return thread.userApcPending ? this.deliverUserApcs(thread) : null;
  }

  /**
   * A Zw call from kernel code: the same service, entered with PreviousMode = KernelMode
   * (no probing, no access checks) and the previous mode restored afterwards.
   */
  *zwCall<K extends SystemServiceName>(name: K, args: SystemServiceArgs[K]): Routine<NtStatus> {
    const thread = this.currentThread();
    const service = this.service(name);
    const savedPrevious = thread.previousMode;
    const savedService = thread.service;
    thread.previousMode = 'kernel';
    thread.service = name;
    if (this.trace.on) this.trace.emit({ type: 'syscall.enter', tid: thread.id, service: name, previousMode: 'kernel', trap: false });
    const status = (yield* service(this, thread, args)) >>> 0;
    if (this.trace.on) this.trace.emit({ type: 'syscall.exit', tid: thread.id, service: name, status, trap: false });
    thread.previousMode = savedPrevious;
    thread.service = savedService;
    return status;
  }

  /** The handle table a handle value refers to: kernel handles live in the System process. */
  handleTableFor(thread: Thread, handle: number): HandleTable {
    return (handle & 0x80000000) !== 0 && thread.previousMode === 'kernel' ? this.system.handles : thread.process.handles;
  }

  // ── interrupts ───────────────────────────────────────────────────────────────────

  /**
   * A device raises an interrupt: after the cost model's interrupt latency it is
   * delivered to a CPU the strategy picks, where its ISR runs at the interrupt's DIRQL.
   */
  raiseInterrupt(interrupt: KInterrupt): void {
    const latency = this.cost.interruptLatency;
    const cpus = this.cpus;
    this.engine.spawn(
      (function* (): Routine<void> {
        cpus.interrupt(interrupt);
      })(),
      { kind: 'internal', name: `interrupt ${interrupt.name}`, actor: 'hardware', priority: PRIORITY.interrupt, delay: latency },
    );
  }

  // ── faults and bug checks ────────────────────────────────────────────────────────

  /** Raises a bug check: the run stops (outcome `bugcheck`). */
  bugcheck(info: BugCheckInfo): never {
    return this.engine.bugcheck(info);
  }

  private addProcess(name: string, isSystem: boolean): Process {
    const id = isSystem ? 4 : (this.nextProcessId += 4);
    const process = new Process(id, name, this.memory.createAddressSpace(), isSystem);
    process.object = this.objects.create(ProcessType, process);
    this.processes.push(process);
    return process;
  }

  private service(name: string): SystemService<SystemServiceName> {
    if (name === this.lastServiceName) return this.lastService!;
    const service = this.services.get(name);
    if (service === undefined) throw new SimulationError('unknown-id', `no system service ${name}`);
    this.lastServiceName = name;
    this.lastService = service;
    return service;
  }

  /** Runs the user APCs an alertable wait made pending, in user mode. */
  private *deliverUserApcs(thread: Thread): Routine<void> {
    thread.userApcPending = false;
    for (let apc = thread.userApcs.shift(); apc !== undefined; apc = thread.userApcs.shift()) {
      if (this.trace.on) this.trace.emit({ type: 'apc.deliver', tid: thread.id, label: apc.label });
      yield* apc.routine(thread);
    }
  }

  private *threadMain(thread: Thread, body: (thread: Thread) => Routine<unknown>): Routine<void> {
    let status: NtStatus = STATUS.SUCCESS;
    try {
      if (thread.terminating !== null) throw new ThreadTermination(thread.terminating);
      const value = yield this.engine.call(body(thread)); // engine.call: not re-entered at each step
      if (typeof value === 'number') status = value;
    } catch (error) {
      if (BugCheckSignal.is(error)) throw error;
      status = ThreadTermination.is(error) ? error.status : this.threadFault(thread, error);
    }
    yield* this.exitThread(thread, status);
  }

  /** An exception escaped a thread's body: decide what Windows would do. */
  private threadFault(thread: Thread, error: unknown): NtStatus {
    if (thread.mode === 'user') {
      const code = SimException.is(error) ? error.code : STATUS.UNSUCCESSFUL;
      if (SimException.is(error)) {
        // An unhandled user-mode exception kills the process; the system stays up.
        if (this.trace.on) {
          this.trace.emit({ type: 'thread.fault', tid: thread.id, code, address: error.address, write: error.write, mode: 'user' });
        }
      } else {
        this.engine.violation('scenario-error', 'Unhandled error in user code', `${thread.label}: ${describeError(error)}`);
      }
      thread.terminating = code;
      this.terminateProcess(thread.process, code);
      return code;
    }
    return kernelFault(this, thread.task, error);
  }

  private *exitThread(thread: Thread, status: NtStatus): Routine<void> {
    thread.mode = 'kernel';
    thread.terminating ??= status;
    for (const hook of this.threadExitHooks) yield* hook(thread);
    thread.exitStatus = status;
    thread.userApcs.length = 0;
    abandonMutants(this.engine, thread);
    if (this.trace.on) this.trace.emit({ type: 'thread.exit', tid: thread.id, status });
    signalExit(this.engine, thread.exited);
    const process = thread.process;
    if (!process.isSystem && !process.hasExited && process.threads.every((t) => t.exitStatus !== null)) {
      // The last thread runs the process rundown: every handle is closed.
      const exitStatus = process.terminating ?? status;
      for (const handle of process.handles.handles()) {
        yield* this.objects.closeHandle(process.handles, process.id, handle);
      }
      process.exitStatus = exitStatus;
      if (this.trace.on) this.trace.emit({ type: 'process.exit', pid: process.id, name: process.name, status: exitStatus });
      signalExit(this.engine, process.exited);
    }
  }
}
