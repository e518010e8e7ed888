import type { DeviceObject } from './DeviceObject.ts';
import type { DriverObject } from './DriverObject.ts';
import type { Irp } from './Irp.ts';
import type { IoStackLocation } from './IoStackLocation.ts';
import type { IoManager } from './IoManager.ts';

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
    return this._driver.devices.map((d) => new DeviceRef(d));
  }
}

/** Irp->IoStatus. */
export interface IoStatusView {
  status: number;
  information: number;
}

/** An IRP as a driver sees it; every access checks the IRP is still the driver's to touch. */
export class IrpRef {
  /** @internal */
  readonly _irp: Irp;
  /** @internal */
  readonly _io: IoManager;
  /** @internal the driver holding this reference (null: the I/O manager or a test harness) */
  readonly _driver: DriverObject | null;
  private status_: IoStatusView | null = null;

  constructor(irp: Irp, io: IoManager, driver: DriverObject | null) {
    this._irp = irp;
    this._io = io;
    this._driver = driver;
  }

  /** @internal */
  _touch(what: string): Irp {
    const irp = this._irp;
    if (irp.state === 'completed' || irp.state === 'freed') this._io.verifier.touchedAfterCompletion(irp, this._driver, what);
    return irp;
  }

  /** The IRP's number in traces and reports. */
  get id(): number {
    return this._irp.id;
  }
  /** Irp->IoStatus: Status and Information. */
  get ioStatus(): IoStatusView {
    if (this.status_ === null) {
      const self = this;
      this.status_ = {
        get status() {
          return self._touch('IoStatus.Status').status;
        },
        set status(value: number) {
          self._touch('IoStatus.Status').status = value >>> 0;
        },
        get information() {
          return self._touch('IoStatus.Information').information;
        },
        set information(value: number) {
          self._touch('IoStatus.Information').information = value >>> 0;
        },
      };
    }
    return this.status_;
  }
  /** Irp->AssociatedIrp.SystemBuffer (a kernel address, or 0). */
  get systemBuffer(): number {
    return this._touch('AssociatedIrp.SystemBuffer').systemBuffer;
  }
  /** Irp->UserBuffer: the caller's raw output pointer (METHOD_NEITHER, neither-I/O reads). */
  get userBuffer(): number {
    return this._touch('UserBuffer').userBuffer;
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
  get stackCount(): number {
    return this._irp.stackCount;
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
    return ((irp.notes['driverContext'] as unknown[] | undefined) ??= [null, null, null, null]);
  }
}

/** Parameters.DeviceIoControl. */
export interface DeviceIoControlParameters {
  outputBufferLength: number;
  inputBufferLength: number;
  ioControlCode: number;
  type3InputBuffer: number;
}
/** Parameters.Read / Parameters.Write. */
export interface ReadWriteParameters {
  length: number;
  key: number;
  byteOffset: number;
}
/** Parameters.Create. */
export interface CreateParameters {
  desiredAccess: number;
  options: number;
  shareAccess: number;
}

/** An I/O stack location as a driver sees it. */
export class StackLocationRef {
  /** @internal */
  readonly _sl: IoStackLocation;
  /** @internal */
  readonly _irp: IrpRef;
  private readonly parameters_: {
    readonly deviceIoControl: DeviceIoControlParameters;
    readonly read: ReadWriteParameters;
    readonly write: ReadWriteParameters;
    readonly create: CreateParameters;
  };

  constructor(sl: IoStackLocation, irp: IrpRef) {
    this._sl = sl;
    this._irp = irp;
    const self = this;
    const field = (arg: 'arg1' | 'arg2' | 'arg3' | 'arg4') => ({
      get: () => self.touch()[arg],
      set: (v: number) => {
        self.touch()[arg] = v >>> 0;
      },
      enumerable: true,
    });
    const readWrite = (): ReadWriteParameters =>
      Object.defineProperties({} as ReadWriteParameters, {
        length: field('arg1'),
        key: field('arg2'),
        byteOffset: field('arg3'),
      });
    this.parameters_ = {
      deviceIoControl: Object.defineProperties({} as DeviceIoControlParameters, {
        outputBufferLength: field('arg1'),
        inputBufferLength: field('arg2'),
        ioControlCode: field('arg3'),
        type3InputBuffer: field('arg4'),
      }),
      read: readWrite(),
      write: readWrite(),
      create: Object.defineProperties({} as CreateParameters, {
        desiredAccess: field('arg1'),
        options: field('arg2'),
        shareAccess: field('arg3'),
      }),
    };
  }

  private touch(): IoStackLocation {
    this._irp._touch('the stack location');
    return this._sl;
  }

  get majorFunction(): number {
    return this.touch().majorFunction;
  }
  set majorFunction(value: number) {
    this.touch().majorFunction = value;
  }
  get minorFunction(): number {
    return this.touch().minorFunction;
  }
  set minorFunction(value: number) {
    this.touch().minorFunction = value;
  }
  get flags(): number {
    return this.touch().flags;
  }
  set flags(value: number) {
    this.touch().flags = value;
  }
  get control(): number {
    return this.touch().control;
  }
  /** The union of parameters, by request type. */
  get parameters() {
    return this.parameters_;
  }
  get deviceObject(): DeviceRef | null {
    const device = this.touch().deviceObject;
    return device === null ? null : new DeviceRef(device);
  }
  /** The file object's id, or null. */
  get fileObjectId(): number | null {
    return this.touch().fileObject?.id ?? null;
  }
  /** FileObject->FileName: the name past the device (IO-9.3). */
  get fileName(): string | null {
    return this.touch().fileObject?.fileName ?? null;
  }
  /** FileObject->FsContext: per-open state a driver may keep. */
  get fsContext(): unknown {
    return this.touch().fileObject?.context ?? null;
  }
  set fsContext(value: unknown) {
    const fo = this.touch().fileObject;
    if (fo !== null) fo.context = value;
  }
}
