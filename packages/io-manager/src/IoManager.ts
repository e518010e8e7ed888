import {
  STATUS,
  hex,
  type Machine,
  type NtStatus,
  type ObjectType,
  type Routine,
  type Task,
  type Trace,
} from '@irpsim/core';
import { callDriver } from './callDriver.ts';
import { buildDeviceIoControlRequest, type DeviceIoControlRequest } from './buildIrps.ts';
import { completeRequest } from './completeRequest.ts';
import { DO, FILE, FILE_DEVICE } from './constants.ts';
import { DeviceObject } from './DeviceObject.ts';
import { DriverObject } from './DriverObject.ts';
import { FileObject } from './FileObject.ts';
import { fileObjectType } from './fileObjectType.ts';
import { finishRequest } from './finishRequest.ts';
import { Irp } from './Irp.ts';
import { IrpTable } from './IrpTable.ts';
import { Kernel } from './Kernel.ts';
import { DriverRef, IrpRef } from './refs.ts';
import { IrpChangeLog } from './IrpChangeLog.ts';
import type { DriverEntry } from './routines.ts';
import { registerServices } from './services/registerServices.ts';
import { Verifier, type VerifierLevel } from './Verifier.ts';
import { CompletionPorts } from './CompletionPorts.ts';
import { UserCode } from './UserCode.ts';
import { unloadDriver } from './unloadDriver.ts';
import { unloadedCodeRan } from './verifier/unloadChecks.ts';
import './ioEvents.ts';

export interface IoManagerOptions {
  /** Driver Verifier's I/O verification (default `enhanced`). */
  readonly verifier?: VerifierLevel;
  /** For rules whose behaviour changed between Windows versions (io-semantics.md *Legacy*). */
  readonly windows?: 'current' | 'legacy';
  /** Clear DO_DEVICE_INITIALIZING for devices created in DriverEntry (IO-9.4; default true). */
  readonly autoClearInitializing?: boolean;
}

/** Makes the kernel API a driver's routines receive. */
export type KernelFactory = (io: IoManager, driver: DriverObject) => Kernel;

/**
 * The I/O manager: driver, device and file objects, IRPs and their life, the system
 * services that turn user requests into IRPs, and the verifier that watches drivers.
 */
export class IoManager {
  readonly machine: Machine;
  /** The machine's trace, as a field: `io.trace.on` is asked at every level of every request. */
  readonly trace: Trace;
  readonly verifier: Verifier;
  readonly windows: 'current' | 'legacy';
  readonly autoClearInitializing: boolean;
  readonly drivers = new Map<string, DriverObject>();
  readonly devices: DeviceObject[] = [];
  /** IRPs not yet freed, by id. */
  readonly irps: Map<number, Irp> = new IrpTable(); // not a plain Map: see IrpTable
  readonly DeviceType: ObjectType;
  readonly DriverType: ObjectType;
  readonly FileType: ObjectType;
  // ── completion ports and APC completion ──
  /** The IoCompletion object type and each thread's port (CompletionPorts.ts). */
  readonly completionPorts: CompletionPorts;
  /** Code addresses of user-mode routines passed to system services (APC routines). */
  readonly userCode = new UserCode();
  /** The driver whose routine an exception first left, per task, with the exception (verifier area: fault reports). */
  private readonly faulted = new WeakMap<Task, { driver: DriverObject; error: unknown }>();
  /** The driver that made a DPC, interrupt or system thread, by the object its tasks are owned by (fault reports). */
  private readonly creators = new WeakMap<object, DriverObject>();
  private nextIrp = 1;
  private nextDriver = 1;
  /**
   * True when a driver's access to an IRP is looked at: by the verifier, or for the change
   * log. Read at every `IrpRef` access, so it is a field. @internal
   */
  watchRefs: boolean;
  /** The IRPs that may have changed, once a viewer asked for them (`trackIrpChanges`). */
  private changes: IrpChangeLog | null = null;

  constructor(machine: Machine, options: IoManagerOptions = {}) {
    this.machine = machine;
    this.trace = machine.trace;
    this.verifier = new Verifier(machine, options.verifier ?? 'enhanced', this.irps);
    this.watchRefs = this.verifier.on;
    this.windows = options.windows ?? 'current';
    this.autoClearInitializing = options.autoClearInitializing ?? true;
    const mapping = { read: FILE.READ_DATA, write: FILE.WRITE_DATA, execute: FILE.EXECUTE, all: FILE.ALL_ACCESS };
    this.DeviceType = { name: 'Device', genericMapping: mapping };
    this.DriverType = { name: 'Driver', genericMapping: mapping };
    this.FileType = fileObjectType(this);
    this.completionPorts = new CompletionPorts(this);
    machine.objects.acceptsRemainingName(this.DeviceType);
    registerServices(this);
    machine.faultAnalyzers.push((task) => {
      const stack = task.owners as DriverObject[] | null;
      // The driver noted where the exception left its routine (faultIn), else the innermost running one.
      const made = typeof task.owner === 'object' && task.owner !== null ? this.creators.get(task.owner) : undefined;
      const driver = this.faulted.get(task)?.driver ?? stack?.[stack.length - 1] ?? made;
      return driver === undefined ? {} : { driver: driver.name };
    });
  }

  // ── drivers and devices ──────────────────────────────────────────────────────────

  /**
   * Loads a driver: creates `\Driver\<name>` and runs its DriverEntry in the calling
   * (system) thread, at PASSIVE_LEVEL as Windows does.
   */
  *loadDriver(name: string, entry: DriverEntry, makeKernel: KernelFactory = (io, d) => new Kernel(io, d)): Routine<NtStatus> {
    const object = this.machine.objects.create<DriverObject>(this.DriverType, null!);
    const driver = new DriverObject(this.nextDriver++, name, object);
    object.body = driver;
    const inserted = this.machine.objects.insert(object, `\\Driver\\${name}`, true);
    if (inserted !== STATUS.SUCCESS) return inserted;
    driver.kernel = makeKernel(this, driver);
    this.drivers.set(name.toLowerCase(), driver);
    const running = this.enterDriver(driver);
    let status: NtStatus;
    try {
      status = yield* entry(driver.kernel, new DriverRef(driver), `\\Registry\\Machine\\System\\CurrentControlSet\\Services\\${name}`);
    } catch (error) {
      this.faultIn(driver, error);
      throw error;
    } finally {
      this.leaveDriver(running);
    }
    if (this.autoClearInitializing) for (const device of driver.devices) device.flags &= ~DO.DEVICE_INITIALIZING;
    if (this.trace.on) this.trace.emit({ type: 'io.driver.load', driver: name, status });
    return status;
  }

  /** IoCreateDevice. */
  createDevice(
    driver: DriverObject,
    options: { name?: string | null; deviceType?: number; characteristics?: number; exclusive?: boolean; extension?: unknown },
  ): { status: NtStatus; device: DeviceObject | null } {
    const object = this.machine.objects.create<DeviceObject>(this.DeviceType, null!);
    const flags = DO.DEVICE_INITIALIZING | (options.exclusive === true ? DO.EXCLUSIVE : 0);
    const name = options.name ?? null;
    const device = new DeviceObject(
      object.id,
      object,
      driver,
      name,
      options.deviceType ?? FILE_DEVICE.UNKNOWN,
      flags,
      options.characteristics ?? 0,
      options.extension ?? null,
    );
    object.body = device;
    if (name !== null) {
      const status = this.machine.objects.insert(object, name, true);
      if (status !== STATUS.SUCCESS) return { status, device: null };
    }
    driver.devices.push(device);
    this.devices.push(device);
    if (this.trace.on) {
      this.trace.emit({ type: 'io.device.create', device: device.id, name, driver: driver.name, deviceType: device.deviceType, flags });
    }
    return { status: STATUS.SUCCESS, device };
  }

  /**
   * IoAttachDeviceToDeviceStack (IO-5.1): attaches `source` above the current top of
   * `target`'s stack and returns that previous top.
   */
  attachDevice(source: DeviceObject, target: DeviceObject): DeviceObject {
    const top = target.top();
    top.attachedDevice = source;
    source.lowerDevice = top;
    source.stackSize = top.stackSize + 1;
    if (this.trace.on) {
      this.trace.emit({ type: 'io.device.attach', device: source.id, driver: source.driver.name, to: target.id, top: top.id, stackSize: source.stackSize });
    }
    return top;
  }

  /** IoDetachDevice: clears only `target.attachedDevice`; stack sizes stay (IO-5.1). */
  detachDevice(target: DeviceObject): void {
    const above = target.attachedDevice;
    if (above !== null) above.lowerDevice = null;
    target.attachedDevice = null;
  }

  /**
   * NtUnloadDriver (`sc stop`) for the legacy driver `name` (unloadDriver.ts): DriverUnload
   * runs now if no device of the driver is referenced, else when the last reference goes.
   */
  unloadDriver(name: string): Routine<NtStatus> {
    return unloadDriver(this, name);
  }

  createSymbolicLink(link: string, target: string): NtStatus {
    const status = this.machine.objects.createSymbolicLink(link, target);
    if (this.trace.on) this.trace.emit({ type: 'io.symlink.create', link, target, status });
    return status;
  }

  /** Creates the file object for a name lookup that reached a device (before CREATE is sent). */
  createFileObject(device: DeviceObject, fileName: string, flags: number): FileObject {
    const object = this.machine.objects.create<FileObject>(this.FileType, null!);
    const file = new FileObject(object.id, object, device, fileName, flags);
    object.body = file;
    return file;
  }

  // ── IRPs ─────────────────────────────────────────────────────────────────────────

  /** How many IRPs have been allocated so far. */
  get irpCount(): number {
    return this.nextIrp - 1;
  }

  /** IoAllocateIrp: an IRP with `stackSize` locations, none current yet (IO-5.1). */
  allocateIrp(stackSize: number): Irp {
    const id = this.nextIrp++;
    const irp = new Irp(id, stackSize);
    this.irps.set(id, irp);
    // `noteIrpChange` spelled out: this is every IRP's path, and the call cost W1 120 instructions.
    if (this.changes !== null) this.changes.note(id);
    return irp;
  }

  /**
   * From now on, keeps the log of the IRPs that may have changed (IrpChangeLog.ts), for a
   * viewer that rebuilds only those. Turns on the trace's events for the rest of the run
   * (through a monitor that only reads them).
   */
  trackIrpChanges(): IrpChangeLog {
    if (this.changes !== null) return this.changes;
    const changes = new IrpChangeLog();
    this.changes = changes;
    this.watchRefs = true;
    this.machine.engine.addMonitor({ name: 'irp-changes', onEvent: (event) => changes.noteEvent(event) });
    return changes;
  }

  /** Notes, for the change log if one is kept, that the IRP may have changed in this step. @internal */
  noteIrpChange(irp: Irp): void {
    if (this.changes !== null) this.changes.note(irp.id);
  }

  /** A driver's `IrpRef` is used: noted for the change log; the verifier's checks. @internal */
  refTouched(ref: IrpRef, what: string): void {
    const irp = ref._irp;
    this.noteIrpChange(irp);
    if (!this.verifier.on) return;
    // The verifier's findings: the IRP is no longer the driver's once completed (or freed),
    // or while a lower driver owns it after a pending forward (IO-5.15).
    const driver = ref._driver;
    if (irp.state === 'completed' || irp.state === 'freed') this.verifier.touchedAfterCompletion(irp, driver, what);
    else if (irp.forwardedBy === driver && irp.state === 'active' && driver !== null) this.verifier.touchedAfterForward(irp, driver, what); // [IRP machinery area]
  }

  /**
   * A driver's reference to an IRP: one per driver and IRP, made on first use, so the
   * views it hands out (IoStatus, stack locations) are built once per IRP, not per access.
   */
  irpRef(irp: Irp, driver: DriverObject | null): IrpRef {
    // The references are a list, newest first (no array to allocate per IRP). An IRP sent down
    // a stack meets its drivers top first and their completion routines bottom first, so the
    // reference wanted is most often the last one handed out or the one made before it:
    // looked at before the scan, which would make a deep stack's IRP cost the square of its depth.
    const last = irp.lastRef;
    if (last !== null) {
      if (last._driver === driver) return last;
      const older = last._nextRef;
      if (older !== null && older._driver === driver) return (irp.lastRef = older);
    }
    for (let ref = irp.refs; ref !== null; ref = ref._nextRef) if (ref._driver === driver) return (irp.lastRef = ref);
    const ref = new IrpRef(irp, this, driver, irp.refs);
    irp.refs = ref;
    return (irp.lastRef = ref);
  }

  /**
   * IoBuildDeviceIoControlRequest for kernel code that belongs to no driver — a scenario's
   * `kernel: true` system thread (IO-3.10): the IRP is attributed to the calling thread only.
   */
  buildDeviceIoControlRequest(device: DeviceObject, r: DeviceIoControlRequest): Irp | null {
    return buildDeviceIoControlRequest(this, null, device, r);
  }

  /** IoCallDriver (IO-5.2). */
  callDriver(device: DeviceObject, irp: Irp, caller: DriverObject | null): Routine<NtStatus> {
    // Its own frame: the service is resumed once when the call returns, not at each of its steps.
    return this.machine.engine.called(callDriver(this, device, irp, caller));
  }

  /** IoCompleteRequest (IO-5.10 – IO-5.19). */
  completeRequest(irp: Irp, boost: number, caller: DriverObject | null): Routine<void> {
    return completeRequest(this, irp, boost, caller);
  }

  /** The I/O manager's final processing of a completed IRP (IopCompleteRequest). */
  finishRequest(irp: Irp): Routine<void> {
    return finishRequest(this, irp);
  }

  /** Forgets a freed IRP. */
  freeIrp(irp: Irp): void {
    irp.state = 'freed';
    this.irps.delete(irp.id);
    this.noteIrpChange(irp);
    if (this.trace.on) this.trace.emit({ type: 'io.irp.free', irp: irp.id });
  }

  /**
   * Notes that a routine of `driver` starts running in the current task (for fault
   * reports) and returns the task's stack of running drivers. Pair it with
   * `leaveDriver(stack)` in a `finally`: callers run the routine inline with `yield*`
   * rather than through a wrapper generator, which would add a frame re-entered at every
   * resumption of the task and a closure per call.
   */
  enterDriver(driver: DriverObject): DriverObject[] {
    // A routine of an unloaded driver (a work item it left queued, a stale device pointer): its code is gone.
    if (driver.unload === 'unloaded') unloadedCodeRan(this, driver, 'a routine to run (a work item left queued, or a call through a stale pointer)', null);
    const task = this.machine.engine.current!;
    const stack = (task.owners ??= []) as DriverObject[];
    stack.push(driver);
    return stack;
  }

  /** The routine `enterDriver` announced has returned or thrown. */
  leaveDriver(stack: DriverObject[]): void {
    stack.pop();
  }

  /**
   * `error` is leaving a routine of `driver` (verifier area): remember the innermost such
   * driver for the fault report, which is made after the `finally` blocks have emptied the
   * running-driver stack. A new exception replaces the note of one a driver caught.
   */
  faultIn(driver: DriverObject, error: unknown): void {
    const task = this.machine.engine.current;
    // The innermost routine sees an exception first; outer ones see the same one pass.
    if (task !== null && this.faulted.get(task)?.error !== error) this.faulted.set(task, { driver, error });
  }

  /** `driver` made `object` (a DPC, an interrupt, a system thread): faults in its tasks name the driver. */
  noteCreator(object: object, driver: DriverObject): void {
    this.creators.set(object, driver);
    driver.made.push(object); // what must not outlive its image (verifier/unloadChecks.ts)
  }

  /** The driver whose routine is running now, if any. */
  runningDriver(): DriverObject | null {
    const task = this.machine.engine.current;
    const stack = task === null ? null : (task.owners as DriverObject[] | null);
    return stack?.[stack.length - 1] ?? null;
  }

  /** `IRP 3 (0x86000300)`. */
  describeIrp(irp: Irp): string {
    return `IRP ${irp.id} (${hex(irp.address)})`;
  }
}

