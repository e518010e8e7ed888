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
  type KObject,
  type Machine,
  type NtStatus,
  type Routine,
  type Section,
} from '@irpsim/core';
import { SL } from './constants.ts';
import { activeFrame } from './dispatchChecks.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import { KernelSync } from './KernelSync.ts';
import { callDriver } from './callDriver.ts';
import { completeRequest } from './completeRequest.ts';
import type { DeviceRef, DriverRef, IrpRef, KProcessorMode, StackLocationRef } from './refs.ts';
import type { CompletionRoutine } from './routines.ts';

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
    if (raw.next() === null) throw new Error(`IRP ${raw.id} has no next stack location (CurrentLocation ${raw.currentLocation})`);
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
    if (current === null || next === null) throw new Error(`IRP ${raw.id}: no next stack location to copy to`);
    current.copyTo(next);
  }

  /** IO-5.6: writes the routine into the *next* location; Control is overwritten. */
  IoSetCompletionRoutine(irp: IrpRef, routine: CompletionRoutine, context: unknown, onSuccess: boolean, onError: boolean, onCancel: boolean): void {
    const raw = irp._touch('IoSetCompletionRoutine');
    const next = raw.next();
    if (next === null) throw new Error(`IRP ${raw.id}: the lowest driver cannot set a completion routine`);
    next.completionRoutine = routine;
    next.context = context;
    next.routineOwner = this._driver.name;
    next.control = (onSuccess ? SL.INVOKE_ON_SUCCESS : 0) | (onError ? SL.INVOKE_ON_ERROR : 0) | (onCancel ? SL.INVOKE_ON_CANCEL : 0);
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
    return callDriver(this._io, device._device, irp._touch('IoCallDriver'), this._driver);
  }

  /** IoCompleteRequest: the completion walk and, at its end, the I/O manager's final processing (no wrapper frame, as above). */
  IoCompleteRequest(irp: IrpRef, priorityBoost: number): Routine<void> {
    return completeRequest(this._io, irp._irp, priorityBoost, this._driver);
  }

  // ── memory ───────────────────────────────────────────────────────────────────────

  /** Reads memory in kernel mode, in the current process's context. */
  readMemory(address: number, length: number): Uint8Array {
    const m = this._machine;
    return m.memory.read(m.currentProcess().space, address, length, 'kernel');
  }

  /** Writes memory in kernel mode, in the current process's context. */
  writeMemory(address: number, bytes: Uint8Array): void {
    const m = this._machine;
    m.memory.write(m.currentProcess().space, address, bytes, 'kernel');
  }

  /** RtlCopyMemory. */
  RtlCopyMemory(destination: number, source: number, length: number): void {
    this.writeMemory(destination, this.readMemory(source, length));
  }

  /** ExAllocatePool2(NonPagedPool): a kernel address, or 0. */
  ExAllocatePool(size: number): number {
    return this._machine.memory.allocatePool(size) ?? 0;
  }

  ExFreePool(address: number): void {
    this._machine.memory.freePool(address);
  }

  /** ProbeForRead (C21): raises on a bad user range; catch it as __except would. */
  ProbeForRead(address: number, length: number, alignment: number): void {
    probeForRead(address, length, alignment);
  }

  /** ProbeForWrite (C21). */
  ProbeForWrite(address: number, length: number, alignment: number): void {
    const m = this._machine;
    probeForWrite(m.memory, m.currentProcess().space, address, length, alignment);
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

  /** ZwClose. */
  *ZwClose(handle: number): Routine<NtStatus> {
    return yield* this._machine.zwCall('NtClose', { handle });
  }

  private sectionByHandle(handle: number): KObject<Section> | null {
    const m = this._machine;
    const table = (handle & 0x80000000) !== 0 ? m.system.handles : m.currentProcess().handles;
    const entry = table.get(handle);
    return entry !== undefined && entry.object.type === SectionType ? (entry.object as KObject<Section>) : null;
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
}
