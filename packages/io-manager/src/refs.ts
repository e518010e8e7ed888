import type { DeviceObject } from './DeviceObject.ts';
import type { DriverObject } from './DriverObject.ts';
import type { FileObjectRef } from './FileObjectRef.ts';
import type { Irp } from './Irp.ts';
import type { IoStackLocation } from './IoStackLocation.ts';
import type { IoManager } from './IoManager.ts';
import { checkRequesterContext } from './requesterContext.ts';
import { ParameterUnion, parametersJson } from './stackParameters.ts';

export type { CreateParameters, DeviceIoControlParameters, ReadWriteParameters } from './stackParameters.ts';

/**
 * What drivers hold: small handles over engine objects, never the objects themselves.
 * Their accessors check that the driver may still touch what they name, so using an
 * IRP after completing it (IO-5.15) is detected at the access that does it.
 */

export type KProcessorMode = 'KernelMode' | 'UserMode';
const modeName = (mode: 'user' | 'kernel'): KProcessorMode => (mode === 'user' ? 'UserMode' : 'KernelMode');

/** A device object as a driver sees it. */
export class DeviceRef {
  /** @internal */
  readonly _device: DeviceObject;

  constructor(device: DeviceObject) {
    this._device = device;
  }

  get id(): number {
    return this._device.id;
  }
  /** `\Device\Hello`, or null for an unnamed device. */
  get name(): string | null {
    return this._device.name;
  }
  get flags(): number {
    return this._device.flags;
  }
  set flags(value: number) {
    this._device.flags = value >>> 0;
  }
  get stackSize(): number {
    return this._device.stackSize;
  }
  /** DeviceObject->AttachedDevice: the device attached directly above, or null (IO-5.1). [IRP machinery area] */
  get attachedDevice(): DeviceRef | null {
    return this._device.attachedDevice?.ref ?? null;
  }
  get deviceType(): number {
    return this._device.deviceType;
  }
  /** The device extension (DeviceObject->DeviceExtension): the driver's own per-device state. */
  get extension(): unknown {
    return this._device.extension;
  }
  set extension(value: unknown) {
    this._device.extension = value;
  }
  /** The driver that owns this device. */
  get driverName(): string {
    return this._device.driver.name;
  }
}

/** A driver object as DriverEntry sees it. */
export class DriverRef {
  /** @internal */
  readonly _driver: DriverObject;

  constructor(driver: DriverObject) {
    this._driver = driver;
  }

  get name(): string {
    return this._driver.name;
  }
  /** MajorFunction[IRP_MJ_*]: set a dispatch routine per major function. */
  get MajorFunction(): DriverObject['majorFunction'] {
    return this._driver.majorFunction;
  }
  get DriverUnload(): DriverObject['driverUnload'] {
    return this._driver.driverUnload;
  }
  set DriverUnload(routine: DriverObject['driverUnload']) {
    this._driver.driverUnload = routine;
  }
  /** The devices this driver created. */
  get devices(): DeviceRef[] {
    return this._driver.devices.map((d) => d.ref);
  }
}

/** Irp->IoStatus. */
export interface IoStatusView {
  status: number;
  information: number;
}

/**
 * An IRP as a driver sees it; every access checks the IRP is still the driver's to touch.
 * The I/O manager hands each driver one IrpRef per IRP (`IoManager.irpRef`); the stack-location
 * references it gives out are made once and kept with it, and its IoStatus is itself.
 */
export class IrpRef {
  /** @internal */
  readonly _irp: Irp;
  /** @internal */
  readonly _io: IoManager;
  /** @internal the driver holding this reference (null: the I/O manager or a test harness) */
  readonly _driver: DriverObject | null;
  /** @internal the reference made before this one for the same IRP (`IoManager.irpRef`), or null */
  readonly _nextRef: IrpRef | null;
  /**
   * The stack-location references made so far, newest first, linked through `_nextLocation`:
   * a driver reaches one or two locations of an IRP, so a list costs less than an array.
   */
  private locations_: StackLocationRef | null = null;

  constructor(irp: Irp, io: IoManager, driver: DriverObject | null, nextRef: IrpRef | null = null) {
    this._irp = irp;
    this._io = io;
    this._driver = driver;
    this._nextRef = nextRef;
  }

  /** @internal */
  _touch(what: string): Irp {
    // With neither the verifier nor a change log watching, an access is just the access.
    if (this._io.watchRefs) this._io.refTouched(this, what);
    return this._irp;
  }

  /** @internal the reference to stack location `index` (0-based) of this IRP, made once. */
  _location(index: number): StackLocationRef {
    const sl = this._irp.stack[index]!;
    let ref = this.locations_;
    while (ref !== null && ref._sl !== sl) ref = ref._nextLocation;
    return ref ?? (this.locations_ = new StackLocationRef(sl, this, this.locations_));
  }

  /** The IRP's number in traces and reports. */
  get id(): number {
    return this._irp.id;
  }
  /** Irp->IoStatus: Status and Information. */
  get ioStatus(): IoStatusView {
    return this as unknown as IoStatusView;
  }
  // Irp->IoStatus lies inside the IRP, and so here: `ioStatus` is this reference, whose
  // Status and Information accessors are protected so that a driver reaches them as in C.
  protected get status(): number {
    return this._touch('IoStatus.Status').status;
  }
  protected set status(value: number) {
    this._touch('IoStatus.Status').status = value >>> 0;
  }
  protected get information(): number {
    return this._touch('IoStatus.Information').information;
  }
  protected set information(value: number) {
    this._touch('IoStatus.Information').information = value >>> 0;
  }
  /** What JSON shows of the IRP, and of its `ioStatus` (the same object): its id and IoStatus, read without the verifier's check. */
  toJSON(): { id: number } & IoStatusView {
    const irp = this._irp;
    return { id: irp.id, status: irp.status, information: irp.information };
  }
  /** Irp->AssociatedIrp.SystemBuffer (a kernel address, or 0). */
  get systemBuffer(): number {
    return this._touch('AssociatedIrp.SystemBuffer').systemBuffer;
  }
  /** Irp->UserBuffer: the caller's raw output pointer (METHOD_NEITHER, neither-I/O reads). */
  get userBuffer(): number {
    const irp = this._touch('UserBuffer');
    checkRequesterContext(this._io, irp, this._driver, 'Irp->UserBuffer', irp.userBuffer); // IO-3.8 [IRP machinery area]
    return irp.userBuffer;
  }
  /** @internal IO-3.8: a raw user pointer of this IRP is being read (stackParameters.ts). */
  _userPointer(what: string, pointer: number): void {
    checkRequesterContext(this._io, this._irp, this._driver, what, pointer);
  }
  /** Irp->MdlAddress: the locked caller buffer of direct I/O, or null. */
  get mdlAddress(): { readonly byteCount: number; readonly address: number } | null {
    return this._touch('MdlAddress').mdl;
  }
  get requestorMode(): KProcessorMode {
    return modeName(this._touch('RequestorMode').requestorMode);
  }
  get pendingReturned(): boolean {
    return this._touch('PendingReturned').pendingReturned;
  }
  get cancel(): boolean {
    return this._touch('Cancel').cancel;
  }
  /** Irp->CancelIrql: what a cancel routine hands to IoReleaseCancelSpinLock (cancellation, IO-6.2). */
  get cancelIrql(): number {
    return this._touch('CancelIrql').cancelIrql;
  }
  get stackCount(): number {
    return this._irp.stackCount;
  }
  /** Irp->AllocationFlags (IRP_ALLOCATED_FIXED_SIZE …, IO-5.1). [IRP machinery area] */
  get allocationFlags(): number {
    return this._touch('AllocationFlags').allocationFlags;
  }
  get currentLocation(): number {
    return this._touch('CurrentLocation').currentLocation;
  }
  /** Tail.Overlay.Thread's id, or null for an IRP not queued to a thread. */
  get threadId(): number | null {
    return this._touch('Tail.Overlay.Thread').thread?.id ?? null;
  }
  /** Tail.Overlay.DriverContext: four slots the owning driver may use. */
  get driverContext(): unknown[] {
    const irp = this._touch('Tail.Overlay.DriverContext');
    return (irp.driverContext ??= [null, null, null, null]);
  }
}

/** An I/O stack location as a driver sees it (one per IrpRef and location, see `IrpRef._location`). */
export class StackLocationRef extends ParameterUnion {
  /** @internal */
  readonly _sl: IoStackLocation;
  /** @internal */
  readonly _irp: IrpRef;
  /** @internal the reference its IrpRef made before this one (`IrpRef._location`), or null. */
  readonly _nextLocation: StackLocationRef | null;

  constructor(sl: IoStackLocation, irp: IrpRef, nextLocation: StackLocationRef | null = null) {
    super();
    this._sl = sl;
    this._irp = irp;
    this._nextLocation = nextLocation;
  }

  /** @internal the location, after checking the IRP may still be touched. */
  override _location(): IoStackLocation {
    this._irp._touch('the stack location');
    return this._sl;
  }

  /** @internal IO-3.8: a raw user pointer of the IRP is being read. [IRP machinery area] */
  override _userPointer(what: string, pointer: number): void {
    this._irp._userPointer(what, pointer);
  }

  get majorFunction(): number {
    return this._location().majorFunction;
  }
  set majorFunction(value: number) {
    this._location().majorFunction = value;
  }
  get minorFunction(): number {
    return this._location().minorFunction;
  }
  set minorFunction(value: number) {
    this._location().minorFunction = value;
  }
  get flags(): number {
    return this._location().flags;
  }
  set flags(value: number) {
    this._location().flags = value;
  }
  get control(): number {
    return this._location().control;
  }
  get deviceObject(): DeviceRef | null {
    const device = this._location().deviceObject;
    return device === null ? null : device.ref;
  }
  /** IrpSp->DeviceObject, as the creator of an IRP sets it in a location of its own (IoSetNextIrpStackLocation). [IRP machinery area] */
  set deviceObject(value: DeviceRef | null) {
    this._location().deviceObject = value?._device ?? null;
  }
  /** IrpSp->FileObject (IO-9.3, IO-9.9), or null. [objects area] */
  get fileObject(): FileObjectRef | null {
    return this._location().fileObject?.ref ?? null;
  }
  /** IrpSp->FileObject, as a driver sets it in the next location of an IRP it builds. [IRP machinery area] */
  set fileObject(value: FileObjectRef | null) {
    this._location().fileObject = value?._file ?? null;
  }
  /** The file object's id, or null. */
  get fileObjectId(): number | null {
    return this._location().fileObject?.id ?? null;
  }
  /** FileObject->FileName: the name past the device (IO-9.3). */
  get fileName(): string | null {
    return this._location().fileObject?.fileName ?? null;
  }
  /** FileObject->FsContext: per-open state a driver may keep. */
  get fsContext(): unknown {
    return this._location().fileObject?.context ?? null;
  }
  set fsContext(value: unknown) {
    const fo = this._location().fileObject;
    if (fo !== null) fo.context = value;
  }
  /** What JSON shows of the location, and of its `parameters` and their members (the same object). */
  toJSON(): Record<string, number> {
    const sl = this._sl;
    return { majorFunction: sl.majorFunction, minorFunction: sl.minorFunction, flags: sl.flags, control: sl.control, ...parametersJson(sl) };
  }
}
