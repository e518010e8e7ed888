import {
  PAGE,
  SECTION_ACCESS,
  STATUS,
  SectionType,
  SimException,
  mapView,
  ntSuccess,
  probeForRead,
  probeForWrite,
  unmapView,
  type Irql,
  type DeferredRoutine,
  type KDpc,
  type KEvent,
  type KInterrupt,
  type KObject,
  type ServiceRoutine,
  type Thread,
  type Machine,
  type NtStatus,
  type Routine,
  type KSpinLock,
  type Section,
} from '@irpsim/core';
import { SL } from './constants.ts';

/** EVENT_ALL_ACCESS (winnt.h). */
const EVENT_ALL_ACCESS = 0x1f0003;
import { cancelIrp, setCancelRoutine, type CancelRoutine } from './cancelIrp.ts';
import { acquireCancelSpinLock, releaseCancelSpinLock } from './cancelSpinLock.ts';
import { IoCsq, csqInsertIrp, csqRemoveIrp, csqRemoveNextIrp, type IoCsqCallbacks, type IoCsqIrpContext } from './IoCsq.ts';
import { KDeviceQueue, insertDeviceQueue, removeDeviceQueue, removeEntryDeviceQueue } from './KDeviceQueue.ts';
import { activeFrame } from './dispatchChecks.ts';
import type { DeviceObject } from './DeviceObject.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import { KernelSync } from './KernelSync.ts';
import { callDriver } from './callDriver.ts';
import { checkCancelRoutineWhileForwarded } from './verifier/cancelWhileForwarded.ts';
import { completeRequest } from './completeRequest.ts';
import { allocateDriverIrp, freeDriverIrp, reuseDriverIrp } from './driverIrps.ts';
import { buildDeviceIoControlRequest, buildFsdRequest } from './buildIrps.ts';
import { validateDeviceIoControlAccess } from './ioctlAccess.ts';
import { beyondTheStack } from './beyondTheStack.ts';
import { attributed } from './faultAttribution.ts';
import { getDeviceObjectPointer, relatedDeviceObject, type DeviceObjectPointer } from './deviceObjectPointer.ts';
import type { FileObjectRef } from './FileObjectRef.ts';
import type { DeviceRef, DriverRef, IrpRef, KProcessorMode, StackLocationRef } from './refs.ts';
import type { CompletionRoutine } from './routines.ts';
import { dereferenceObject, referenceObjectByHandle, type ObjectTypeName, type ReferencedObject } from './referenceObjectByHandle.ts';
import { deleteSymbolicLink } from './deleteSymbolicLink.ts';
import { deleteDevice } from './deleteDevice.ts';
import { zwClose } from './zwClose.ts';
import { checkUnprobedAccess, noteProbe } from './unprobedUserPointer.ts';
import { failsAllocation } from './adversary/failAllocation.ts';
import { forgetMappedPages, noteLockedPages, noteMappedPages } from './verifier/lockedPagesAtExit.ts';
import { allocateDriverMdl, buildMdlForNonPagedPool, probeAndLockDriverMdl, unlockDriverMdl } from './driverMdls.ts';
import type { Mdl } from './Mdl.ts';
import { mapLockedPagesInUser } from './mapLockedPages.ts';
import { checkSpinLockAtCompletion, noteSpinLock } from './verifier/spinLockAtCompletion.ts';
import { checkKernelIrpUserAddress } from './verifier/kernelIrpUserAddress.ts';
import { checkMdlFreedWhileMapped, forgetUserMapping, noteUserMapping } from './verifier/mdlFreedWhileMapped.ts';

export interface CreateDeviceOptions {
  /** `\Device\Name`, or omitted for an unnamed device. */
  readonly deviceName?: string;
  readonly deviceType?: number;
  readonly characteristics?: number;
  readonly exclusive?: boolean;
  /** The initial device extension. */
  readonly extension?: unknown;
}

/**
 * The kernel as one driver sees it: the DDIs by their Windows names. Each driver gets its
 * own instance, so every call is attributed to the driver that made it. Calls that can
 * run other routines or block are generators: `yield* k.IoCallDriver(device, irp)`.
 */
export class Kernel extends KernelSync {
  /** @internal */
  readonly _io: IoManager;
  /** @internal */
  readonly _driver: DriverObject;

  constructor(io: IoManager, driver: DriverObject) {
    super();
    this._io = io;
    this._driver = driver;
  }

  /** @internal */
  get _machine(): Machine {
    return this._io.machine;
  }

  /** The driver's service name. */
  get driverName(): string {
    return this._driver.name;
  }

  // ── devices, links ───────────────────────────────────────────────────────────────

  IoCreateDevice(driver: DriverRef, options: CreateDeviceOptions = {}): { status: NtStatus; device: DeviceRef | null } {
    const { status, device } = this._io.createDevice(driver._driver, {
      name: options.deviceName ?? null,
      ...(options.deviceType !== undefined ? { deviceType: options.deviceType } : {}),
      ...(options.characteristics !== undefined ? { characteristics: options.characteristics } : {}),
      ...(options.exclusive !== undefined ? { exclusive: options.exclusive } : {}),
      ...(options.extension !== undefined ? { extension: options.extension } : {}),
    });
    return { status, device: device === null ? null : device.ref };
  }

  IoCreateSymbolicLink(link: string, target: string): NtStatus {
    return this._io.createSymbolicLink(link, target);
  }

  /** IoDeleteDevice: the device loses its name at once; open file objects keep it alive (IO-9.4). */
  IoDeleteDevice(device: DeviceRef): void {
    deleteDevice(this._io, device._device);
  }

  /** IoDeleteSymbolicLink: the DOS name goes; the device keeps its NT name (IO-9.1). */
  IoDeleteSymbolicLink(link: string): NtStatus {
    return deleteSymbolicLink(this._io, link);
  }

  /** IoAttachDeviceToDeviceStack: returns the device it attached to (the previous top). */
  IoAttachDeviceToDeviceStack(source: DeviceRef, target: DeviceRef): DeviceRef {
    return this._io.attachDevice(source._device, target._device).ref;
  }

  IoDetachDevice(target: DeviceRef): void {
    this._io.detachDevice(target._device);
  }

  /** IoGetAttachedDeviceReference's device: the top of a device's stack. */
  IoGetAttachedDevice(device: DeviceRef): DeviceRef {
    return device._device.top().ref;
  }

  // ── IRPs ─────────────────────────────────────────────────────────────────────────

  IoGetCurrentIrpStackLocation(irp: IrpRef): StackLocationRef {
    const raw = irp._touch('IoGetCurrentIrpStackLocation');
    if (raw.current() === null) throw new Error(`IRP ${raw.id} has no current stack location`);
    return irp._location(raw.currentLocation - 1);
  }

  IoGetNextIrpStackLocation(irp: IrpRef): StackLocationRef {
    const raw = irp._touch('IoGetNextIrpStackLocation');
    if (raw.next() === null) return beyondTheStack(this._io, irp, this._driver, 'IoGetNextIrpStackLocation');
    return irp._location(raw.currentLocation - 2);
  }

  /** IO-5.4: the next IoCallDriver hands the lower driver this same location. */
  IoSkipCurrentIrpStackLocation(irp: IrpRef): void {
    irp._touch('IoSkipCurrentIrpStackLocation').currentLocation++;
  }

  /** IO-5.5: copies the current location to the next, without completion routine or Control. */
  IoCopyCurrentIrpStackLocationToNext(irp: IrpRef): void {
    const raw = irp._touch('IoCopyCurrentIrpStackLocationToNext');
    const current = raw.current();
    const next = raw.next();
    if (current === null || next === null) {
      beyondTheStack(this._io, irp, this._driver, 'IoCopyCurrentIrpStackLocationToNext');
      return;
    }
    current.copyTo(next);
  }

  /** IO-5.6: writes the routine into the *next* location; Control is overwritten. */
  IoSetCompletionRoutine(irp: IrpRef, routine: CompletionRoutine, context: unknown, onSuccess: boolean, onError: boolean, onCancel: boolean): void {
    const raw = irp._touch('IoSetCompletionRoutine');
    const next = raw.next();
    if (next === null) {
      beyondTheStack(this._io, irp, this._driver, 'IoSetCompletionRoutine');
      return;
    }
    next.completionRoutine = routine;
    next.context = context;
    next.routineOwner = this._driver;
    // SL.* as literals: V8 does not fold a module's constants into the code using them (see Memory.pte).
    next.control = (onSuccess ? 0x40 /* SL.INVOKE_ON_SUCCESS */ : 0) | (onError ? 0x80 /* SL.INVOKE_ON_ERROR */ : 0) | (onCancel ? 0x20 /* SL.INVOKE_ON_CANCEL */ : 0);
  }

  /** Sets SL_PENDING_RETURNED in the current location. */
  IoMarkIrpPending(irp: IrpRef): void {
    const raw = irp._touch('IoMarkIrpPending');
    const sl = raw.current();
    if (sl !== null) sl.control |= SL.PENDING_RETURNED;
    const frame = activeFrame(this._io, raw);
    if (frame !== null && frame.driver === this._driver) frame.marked = true;
    if (this._io.trace.on) this._io.trace.emit({ type: 'io.irp.pending', irp: raw.id, driver: this._driver.name, location: raw.currentLocation });
  }

  /**
   * IoCallDriver (IO-5.2): returns the lower dispatch routine's status unchanged. It hands
   * back the I/O manager's routine itself rather than wrapping it in a generator of its
   * own: every frame of a `yield*` chain is re-entered at each resumption of the task.
   */
  IoCallDriver(device: DeviceRef, irp: IrpRef): Routine<NtStatus> {
    // A NULL device is the verifier's 0x204 (callDriver.ts), not a JavaScript TypeError.
    // 0xC4/0xE2 (verifier/, part E 13); the check, not inlined here, is called only when it can fire.
    if (this._io.verifier.on) checkKernelIrpUserAddress(this._io, irp._irp, this._driver);
    return callDriver(this._io, (device as DeviceRef | null)?._device ?? null, irp._touch('IoCallDriver'), this._driver);
  }

  /** IoCompleteRequest: the completion walk and, at its end, the I/O manager's final processing (no wrapper frame, as above). */
  IoCompleteRequest(irp: IrpRef, priorityBoost: number): Routine<void> {
    // spin-lock-held-at-completion (verifier/, part E 6): the check, 247 bytes of bytecode that
    // filled the dispatch routine's inlining budget, is called only when it can fire.
    if (this._io.verifier.on) checkSpinLockAtCompletion(this._io, irp._irp, this._driver);
    return completeRequest(this._io, irp._irp, priorityBoost, this._driver);
  }

  // ── fault attribution (IRP machinery area, faultAttribution.ts) ──────────────────
  // Routines a driver hands the kernel run as its code: a fault in them names the driver.

  /** KeInitializeSpinLock: the verifier keeps the lock to see who holds it at IoCompleteRequest (part E 6). */
  override KeInitializeSpinLock(name = 'spin lock'): KSpinLock {
    return noteSpinLock(this._io, super.KeInitializeSpinLock(name));
  }

  override KeInitializeDpc(name: string, routine: DeferredRoutine): KDpc {
    const dpc = super.KeInitializeDpc(name, routine);
    this._io.noteCreator(dpc, this._driver);
    return dpc;
  }

  override IoConnectInterrupt(name: string, irql: Irql, isr: ServiceRoutine, affinity: readonly number[] | null = null): KInterrupt {
    const interrupt = super.IoConnectInterrupt(name, irql, isr, affinity);
    this._io.noteCreator(interrupt, this._driver);
    return interrupt;
  }

  override PsCreateSystemThread(name: string, body: (thread: Thread) => Routine<unknown>): Thread {
    const thread = super.PsCreateSystemThread(name, body);
    this._io.noteCreator(thread, this._driver);
    return thread;
  }

  override IoQueueWorkItem(name: string, routine: (thread: Thread) => Routine<void>): void {
    super.IoQueueWorkItem(name, attributed(this._io, this._driver, routine));
  }

  // ── driver-allocated IRPs (IRP machinery area, driverIrps.ts) ────────────────────

  /**
   * IoAllocateIrp (IO-5.1): StackCount = stackSize, CurrentLocation = stackSize + 1; fill the
   * *next* location. NULL when no IRP can be allocated: under the fail-allocations adversary
   * (Low Resources Simulation fails IoAllocateIrp); a correct caller then fails its own
   * request with STATUS_INSUFFICIENT_RESOURCES.
   */
  IoAllocateIrp(stackSize: number, chargeQuota = false): IrpRef | null {
    if (failsAllocation(this._io, 'IoAllocateIrp')) return null;
    return this._io.irpRef(allocateDriverIrp(this._io, stackSize, chargeQuota), this._driver);
  }

  /**
   * IoSetNextIrpStackLocation: makes the next location current, as IoCallDriver would; the
   * creator of an IRP with a location of its own uses it to keep context there (and sets its
   * DeviceObject, which its completion routine then receives, IO-5.10).
   */
  IoSetNextIrpStackLocation(irp: IrpRef): void {
    irp._touch('IoSetNextIrpStackLocation').currentLocation--;
  }

  /** IoFreeIrp: only for IRPs from IoAllocateIrp / IoBuildAsynchronousFsdRequest (0xC9/0x02 otherwise). */
  IoFreeIrp(irp: IrpRef): void {
    freeDriverIrp(this._io, irp._irp, this._driver);
  }

  /** IoReuseIrp (IO-5.1): reinitialises the IRP, keeping AllocationFlags; IoStatus.Status = status. */
  IoReuseIrp(irp: IrpRef, status: NtStatus): void {
    reuseDriverIrp(this._io, irp._touch('IoReuseIrp'), status, this._driver);
  }

  /**
   * IoBuildDeviceIoControlRequest (IO-3.10): a kernel-mode IOCTL (IRP_MJ_INTERNAL_DEVICE_CONTROL
   * when `internal`) for `device`, buffered per METHOD; the I/O manager fills `iosb` (a
   * kernel address), signals `event` and frees the IRP. Null on a bad buffer.
   */
  IoBuildDeviceIoControlRequest(
    ioControlCode: number,
    device: DeviceRef,
    inputBuffer: number,
    inputLength: number,
    outputBuffer: number,
    outputLength: number,
    internal: boolean,
    event: KEvent | null,
    iosb: number,
  ): IrpRef | null {
    if (failsAllocation(this._io, 'IoBuildDeviceIoControlRequest')) return null; // the fail-allocations adversary: no IRP (docs/verifier.md)
    const irp = buildDeviceIoControlRequest(this._io, this._driver, device._device, { ioControlCode, inputBuffer, inputLength, outputBuffer, outputLength, internal, event, iosb });
    return irp === null ? null : this._io.irpRef(irp, this._driver);
  }

  /** IoBuildSynchronousFsdRequest: like the IOCTL builder, for READ / WRITE / FLUSH_BUFFERS / SHUTDOWN. */
  IoBuildSynchronousFsdRequest(majorFunction: number, device: DeviceRef, buffer: number, length: number, startingOffset: number | null, event: KEvent, iosb: number): IrpRef | null {
    if (failsAllocation(this._io, 'IoBuildSynchronousFsdRequest')) return null; // the fail-allocations adversary: no IRP
    const irp = buildFsdRequest(this._io, this._driver, device._device, { majorFunction, buffer, length, startingOffset, iosb, event }, true);
    return irp === null ? null : this._io.irpRef(irp, this._driver);
  }

  /** IoBuildAsynchronousFsdRequest: the caller frees it in its completion routine (returning STATUS_MORE_PROCESSING_REQUIRED). */
  IoBuildAsynchronousFsdRequest(majorFunction: number, device: DeviceRef, buffer: number, length: number, startingOffset: number | null, iosb: number): IrpRef | null {
    if (failsAllocation(this._io, 'IoBuildAsynchronousFsdRequest')) return null; // the fail-allocations adversary: no IRP
    const irp = buildFsdRequest(this._io, this._driver, device._device, { majorFunction, buffer, length, startingOffset, iosb, event: null }, false);
    return irp === null ? null : this._io.irpRef(irp, this._driver);
  }

  /** IoValidateDeviceIoControlAccess (IO-2.4): FILE_READ_ACCESS / FILE_WRITE_ACCESS against the handle's granted access. */
  IoValidateDeviceIoControlAccess(irp: IrpRef, requiredAccess: number): NtStatus {
    return validateDeviceIoControlAccess(irp._touch('IoValidateDeviceIoControlAccess'), requiredAccess);
  }

  /** IoGetDeviceObjectPointer: opens `name` (CREATE, then CLEANUP) and returns its file object and the top of its stack. */
  IoGetDeviceObjectPointer(name: string, desiredAccess: number): Routine<DeviceObjectPointer> {
    return getDeviceObjectPointer(this, name, desiredAccess);
  }

  /** IoGetRelatedDeviceObject: the device requests on this file object go to, the top of its device's stack. */
  IoGetRelatedDeviceObject(fileObject: FileObjectRef): DeviceRef {
    return relatedDeviceObject(fileObject._file);
  }

  /** IoGetAttachedDeviceReference: the top of `device`'s stack (IO-5.8); the reference count is not modelled. */
  IoGetAttachedDeviceReference(device: DeviceRef): DeviceRef {
    return device._device.top().ref;
  }

  // ── cancellation (cancelIrp.ts, IoCsq.ts, KDeviceQueue.ts) ──────────────────────

  /** IoCancelIrp (IO-6.1): true when a cancel routine was called. */
  IoCancelIrp(irp: IrpRef): Routine<boolean> {
    return cancelIrp(this._io, irp._touch('IoCancelIrp'), this._driver.name);
  }

  /** IoSetCancelRoutine (IO-6.3): the previous routine; null means the cancel routine owns the IRP. */
  IoSetCancelRoutine(irp: IrpRef, routine: CancelRoutine | null): CancelRoutine | null {
    const raw = irp._touch('IoSetCancelRoutine');
    checkCancelRoutineWhileForwarded(this._io, raw, routine !== null, this._driver); // 0xC9/0x229 (verifier/)
    return setCancelRoutine(this._io, raw, routine, this._driver);
  }

  /** IoAcquireCancelSpinLock: returns the old IRQL. */
  IoAcquireCancelSpinLock(): Routine<Irql> {
    return acquireCancelSpinLock(this._io);
  }

  /** IoReleaseCancelSpinLock: a cancel routine passes `irp.cancelIrql`. */
  IoReleaseCancelSpinLock(irql: Irql): Routine<void> {
    return releaseCancelSpinLock(this._io, irql);
  }

  /** IoCsqInitialize (IO-6.4): a cancel-safe queue over the driver's own list. */
  IoCsqInitialize(callbacks: IoCsqCallbacks): IoCsq {
    return new IoCsq(this, callbacks);
  }

  /** IoCsqInsertIrp: queues and marks pending; returns STATUS_SUCCESS. */
  IoCsqInsertIrp(csq: IoCsq, irp: IrpRef, context: IoCsqIrpContext | null = null): Routine<NtStatus> {
    return csqInsertIrp(csq, irp, context);
  }

  /** IoCsqInsertIrpEx: CsqInsertIrpEx's status; on failure the IRP is not queued and stays the caller's. */
  IoCsqInsertIrpEx(csq: IoCsq, irp: IrpRef, context: IoCsqIrpContext | null, insertContext: unknown): Routine<NtStatus> {
    return csqInsertIrp(csq, irp, context, true, insertContext);
  }

  IoCsqRemoveNextIrp(csq: IoCsq, peekContext: unknown = null): Routine<IrpRef | null> {
    return csqRemoveNextIrp(csq, peekContext);
  }

  IoCsqRemoveIrp(csq: IoCsq, context: IoCsqIrpContext): Routine<IrpRef | null> {
    return csqRemoveIrp(csq, context);
  }

  /** KeInitializeDeviceQueue (IO-6.7). */
  KeInitializeDeviceQueue<T = IrpRef>(): KDeviceQueue<T> {
    return new KDeviceQueue<T>();
  }

  KeInsertDeviceQueue<T>(queue: KDeviceQueue<T>, entry: T): boolean {
    return insertDeviceQueue(queue, entry);
  }

  KeRemoveDeviceQueue<T>(queue: KDeviceQueue<T>): T | null {
    return removeDeviceQueue(queue);
  }

  KeRemoveEntryDeviceQueue<T>(queue: KDeviceQueue<T>, entry: T): boolean {
    return removeEntryDeviceQueue(queue, entry);
  }

  // ── memory ───────────────────────────────────────────────────────────────────────

  /** Reads memory in kernel mode, in the current process's context. */
  readMemory(address: number, length: number): Uint8Array {
    const m = this._machine;
    checkUnprobedAccess(this._io, this._driver, address, length, null); // IO-3.8 unprobed-user-pointer
    return m.memory.read(m.currentProcess().space, address, length, 'kernel');
  }

  /** Writes memory in kernel mode, in the current process's context. */
  writeMemory(address: number, bytes: Uint8Array): void {
    const m = this._machine;
    checkUnprobedAccess(this._io, this._driver, address, bytes.length, bytes); // IO-3.8 unprobed-user-pointer
    m.memory.write(m.currentProcess().space, address, bytes, 'kernel');
  }

  /** RtlCopyMemory. */
  RtlCopyMemory(destination: number, source: number, length: number): void {
    this.writeMemory(destination, this.readMemory(source, length));
  }

  /** ExAllocatePool2(NonPagedPool): a kernel address, or 0. */
  ExAllocatePool(size: number): number {
    if (failsAllocation(this._io, 'ExAllocatePool')) return 0; // the fail-allocations adversary (Low Resources Simulation)
    return this._machine.memory.allocatePool(size) ?? 0;
  }

  ExFreePool(address: number): void {
    this._machine.memory.freePool(address);
  }

  // ── driver-allocated MDLs (driverMdls.ts) ────────────────────────────────────────

  /**
   * IoAllocateMdl: an MDL sized for [virtualAddress, +length) that describes no page until
   * MmBuildMdlForNonPagedPool or MmProbeAndLockPages. With `irp`, `secondaryBuffer` FALSE
   * sets Irp->MdlAddress, TRUE appends to its chain (MDL->Next). NULL when it cannot be
   * allocated (the fail-allocations adversary, or a length over 4 GB - PAGE_SIZE).
   * `chargeQuota` is reserved: drivers pass FALSE.
   */
  IoAllocateMdl(virtualAddress: number, length: number, secondaryBuffer: boolean, chargeQuota: boolean, irp: IrpRef | null): Mdl | null {
    void chargeQuota; // quota is not modelled
    return allocateDriverMdl(this._io, virtualAddress, length, secondaryBuffer, irp === null ? null : irp._touch('IoAllocateMdl'));
  }

  /**
   * IoFreeMdl: the MDL's storage goes back to the system (a JavaScript object here: nothing
   * else to release); unlock it first, and unmap its user mappings (0xC4/0xB8 otherwise).
   */
  IoFreeMdl(mdl: Mdl): void {
    checkMdlFreedWhileMapped(this._io, mdl, this._driver); // 0xC4/0xB8 (verifier/, part E 15)
  }

  /** MmMapLockedPagesSpecifyCache, remembering a UserMode mapping until MmUnmapLockedPages (0xC4/0xB8 at IoFreeMdl). */
  override MmMapLockedPagesSpecifyCache(mdl: Mdl, accessMode: KProcessorMode): number {
    if (accessMode === 'KernelMode') return super.MmMapLockedPagesSpecifyCache(mdl, accessMode);
    const { address, process } = mapLockedPagesInUser(this._machine, mdl);
    if (address !== 0) noteUserMapping(mdl, address, process);
    if (address !== 0) noteMappedPages(this._io, mdl, address, process, this._driver.name); // 0x76 / 0xCB at exit (part E 15)
    return address;
  }

  /**
   * MmUnmapLockedPages of a UserMode mapping: removes it from the *current* process, which
   * must be the one it was mapped into (C9); called elsewhere it unmaps nothing. A system
   * mapping (MmGetSystemAddressForMdlSafe) lasts until MmUnlockPages: nothing to do.
   */
  MmUnmapLockedPages(baseAddress: number, mdl: Mdl): void {
    const process = this._machine.currentProcess();
    const mapping = forgetUserMapping(mdl, baseAddress, process);
    forgetMappedPages(this._io, mdl, baseAddress, process);
    if (mapping !== null) this._machine.memory.freeUser(process.space, mapping.address - mdl.byteOffset);
  }

  /** MmBuildMdlForNonPagedPool: the MDL describes a nonpaged pool buffer; its system address is the buffer itself. */
  MmBuildMdlForNonPagedPool(mdl: Mdl): void {
    buildMdlForNonPagedPool(this._io, mdl);
  }

  /**
   * MmProbeAndLockPages (IoReadAccess / IoWriteAccess / IoModifyAccess): probes the range in
   * the current process in `accessMode` and locks it; raises on failure, so call it inside a
   * try block (catch, GetExceptionCode).
   */
  MmProbeAndLockPages(mdl: Mdl, accessMode: KProcessorMode, operation: 'IoReadAccess' | 'IoWriteAccess' | 'IoModifyAccess'): void {
    probeAndLockDriverMdl(this._io, mdl, accessMode === 'UserMode' ? 'user' : 'kernel', operation !== 'IoReadAccess');
    noteLockedPages(this._io, mdl, this._machine.currentProcess(), this._driver.name); // 0x76 / 0xCB at exit (part E 15)
  }

  /** MmUnlockPages: releases the pages MmProbeAndLockPages locked. */
  MmUnlockPages(mdl: Mdl): void {
    unlockDriverMdl(this._io, mdl);
  }

  /** ProbeForRead (C21): raises on a bad user range; catch it as __except would. */
  ProbeForRead(address: number, length: number, alignment: number): void {
    probeForRead(address, length, alignment);
    noteProbe(this._io, address, length);
  }

  /** ProbeForWrite (C21). */
  ProbeForWrite(address: number, length: number, alignment: number): void {
    const m = this._machine;
    probeForWrite(m.memory, m.currentProcess().space, address, length, alignment);
    noteProbe(this._io, address, length);
  }

  /** The exception code of a caught simulated exception (GetExceptionCode in __except). */
  GetExceptionCode(error: unknown): NtStatus {
    if (SimException.is(error)) return error.code;
    throw error;
  }

  // ── sections ─────────────────────────────────────────────────────────────────────

  /** ZwCreateSection (page-file backed): a kernel handle to the section, or 0. */
  *ZwCreateSection(options: { name?: string; size: number; protect?: number }): Routine<{ status: NtStatus; handle: number }> {
    const m = this._machine;
    const out = m.memory.allocatePool(4)!;
    const status = yield* m.zwCall('NtCreateSection', { handleOut: out, access: SECTION_ACCESS.ALL_ACCESS, name: options.name ?? null, size: options.size, protect: options.protect ?? PAGE.READWRITE });
    const handle = ntSuccess(status) ? m.memory.readU32(m.system.space, out, 'kernel') : 0;
    m.memory.freePool(out);
    return { status, handle };
  }

  /**
   * IoCreateNotificationEvent: creates or opens the named notification event `name` (a full
   * object name such as `\BaseNamedObjects\Ready`) with a kernel handle the driver keeps,
   * so user mode can OpenEvent it and the driver can KeSetEvent it. A new event starts
   * signalled (as the DDI documents); the driver clears it if it wants it reset.
   */
  *IoCreateNotificationEvent(name: string): Routine<{ status: NtStatus; event: KEvent | null; handle: number }> {
    return yield* this.createNamedEvent(name, 'notification');
  }

  /** IoCreateSynchronizationEvent: as IoCreateNotificationEvent, for an auto-reset event. */
  *IoCreateSynchronizationEvent(name: string): Routine<{ status: NtStatus; event: KEvent | null; handle: number }> {
    return yield* this.createNamedEvent(name, 'synchronization');
  }

  private *createNamedEvent(name: string, eventType: 'notification' | 'synchronization'): Routine<{ status: NtStatus; event: KEvent | null; handle: number }> {
    const m = this._machine;
    const out = m.memory.allocatePool(4)!;
    // OPEN_IF semantics: NtCreateEvent opens an existing event of that name.
    const status = yield* m.zwCall('NtCreateEvent', { handleOut: out, access: EVENT_ALL_ACCESS, name, eventType, initialState: true });
    const handle = ntSuccess(status) ? m.memory.readU32(m.system.space, out, 'kernel') : 0;
    m.memory.freePool(out);
    if (!ntSuccess(status)) return { status, event: null, handle: 0 };
    const referenced = this.ObReferenceObjectByHandle(handle, 0, 'ExEventObjectType', 'KernelMode');
    if (referenced.object === null) return { status: referenced.status, event: null, handle };
    // The DDI returns the event without a reference of its own: the handle keeps it alive.
    yield* this.ObDereferenceObject(referenced.object);
    return { status, event: referenced.object as KEvent, handle };
  }

  /**
   * ZwMapViewOfSection into the *current* process — which is why a driver must call it in
   * the context of the process it means (C7): from an arbitrary context it maps into
   * whatever process happens to be current.
   */
  ZwMapViewOfSection(section: number, offset = 0, size = 0, protect: number = PAGE.READWRITE): { status: NtStatus; base: number } {
    const object = this.sectionByHandle(section);
    if (object === null) return { status: STATUS.INVALID_HANDLE, base: 0 };
    const view = mapView(this._machine, this._machine.currentProcess().space, object, offset, size, protect);
    return { status: view.status, base: view.base };
  }

  /** MmMapViewInSystemSpace: a view in the kernel half, valid in every process. */
  MmMapViewInSystemSpace(section: number): { status: NtStatus; base: number } {
    const object = this.sectionByHandle(section);
    if (object === null) return { status: STATUS.INVALID_HANDLE, base: 0 };
    const view = mapView(this._machine, null, object, 0, 0, PAGE.READWRITE);
    return { status: view.status, base: view.base };
  }

  *MmUnmapViewInSystemSpace(base: number): Routine<NtStatus> {
    return yield* unmapView(this._machine, null, base);
  }

  /** ZwClose: 0x93 for a handle that is not open, with the verifier on (zwClose.ts). */
  ZwClose(handle: number): Routine<NtStatus> {
    return zwClose(this._io, handle, this._driver.name, this._driver.name);
  }

  private sectionByHandle(handle: number): KObject<Section> | null {
    const m = this._machine;
    const table = (handle & 0x80000000) !== 0 ? m.system.handles : m.currentProcess().handles;
    const entry = table.get(handle);
    return entry !== undefined && entry.object.type === SectionType ? (entry.object as KObject<Section>) : null;
  }

  // ── object manager (objects area) ────────────────────────────────────────────────

  /** ObReferenceObjectByHandle (IO-10.2): pass UserMode and a type for handles from user mode. */
  ObReferenceObjectByHandle(handle: number, desiredAccess: number, objectType: ObjectTypeName | null, accessMode: KProcessorMode): ReferencedObject {
    return referenceObjectByHandle(this._io, handle, desiredAccess, objectType, accessMode);
  }

  /** ObDereferenceObject: releases an object ObReferenceObjectByHandle returned. */
  ObDereferenceObject(object: unknown): Routine<void> {
    return dereferenceObject(this._io, object);
  }

  // ── threads, modes, diagnostics ──────────────────────────────────────────────────

  /** ExGetPreviousMode. */
  ExGetPreviousMode(): KProcessorMode {
    return this._machine.currentThread().previousMode === 'user' ? 'UserMode' : 'KernelMode';
  }

  /** DbgPrint: a line in the trace, attributed to the driver. */
  DbgPrint(message: string): void {
    if (this._io.trace.on) this._io.trace.emit({ type: 'io.dbgprint', driver: this._driver.name, message });
  }

  /** A scheduling point inside a routine, costing `ns` of simulated time. */
  *schedulingPoint(ns = 0): Routine<void> {
    yield ns;
  }

  // ── lessons: attaching a filter by name ──────────────────────────────────────────

  /**
   * IoAttachDevice: attaches `source` to the top of the stack of the device named
   * `targetName` (`\Device\Slow`); `attachedTo` is the previous top, null on failure.
   */
  IoAttachDevice(source: DeviceRef, targetName: string): { status: NtStatus; attachedTo: DeviceRef | null } {
    const found = this._machine.objects.lookup(targetName);
    if (found.object === null) return { status: found.status, attachedTo: null };
    if (found.object.type !== this._io.DeviceType || found.remaining !== '') return { status: STATUS.OBJECT_TYPE_MISMATCH, attachedTo: null };
    const target = found.object.body as DeviceObject;
    return { status: STATUS.SUCCESS, attachedTo: this.IoAttachDeviceToDeviceStack(source, target.ref) };
  }
}
