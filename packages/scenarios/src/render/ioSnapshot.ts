import type { DeviceObject, DriverObject, IoManager, IoStackLocation, Irp } from '@irpsim/io-manager';

/** One I/O stack location, as plain data. */
export interface StackLocationView {
  readonly major: number;
  readonly minor: number;
  readonly flags: number;
  /** Control: SL_PENDING_RETURNED, SL_INVOKE_ON_SUCCESS / ERROR / CANCEL. */
  readonly control: number;
  /** Parameters.Others.Argument1–4. */
  readonly args: readonly [number, number, number, number];
  /** Object id of DeviceObject, or null. */
  readonly device: number | null;
  /** Object id of FileObject, or null. */
  readonly file: number | null;
  /** `Driver!routine` of the completion routine stored here, or null. */
  readonly completionRoutine: string | null;
  /** The completion routine's context when it is a number (else 0). */
  readonly context: number;
}

/** One IRP, as plain data. */
export interface IrpView {
  readonly id: number;
  readonly address: number;
  readonly state: string;
  readonly stackCount: number;
  readonly currentLocation: number;
  readonly flags: number;
  readonly status: number;
  readonly information: number;
  readonly pendingReturned: boolean;
  readonly cancel: boolean;
  readonly requestorMode: 'user' | 'kernel';
  readonly systemBuffer: number;
  /** The virtual address the IRP's MDL describes, or 0 when MdlAddress is NULL. */
  readonly mdlVa: number;
  readonly userBuffer: number;
  readonly thread: { readonly tid: number; readonly name: string } | null;
  /** Locations 1..stackCount, in that order. */
  readonly stack: readonly StackLocationView[];
}

export interface DeviceView {
  readonly id: number;
  /** `\Device\Slow`, or null for an unnamed device. */
  readonly name: string | null;
  readonly label: string;
  readonly driver: string;
  readonly driverId: number;
  readonly deviceType: number;
  readonly flags: number;
  readonly stackSize: number;
  readonly attached: number | null;
  readonly lower: number | null;
  readonly hasExtension: boolean;
  readonly deleted: boolean;
}

export interface DriverView {
  readonly id: number;
  readonly name: string;
  /** Device object ids, most recently created first (as DriverObject->DeviceObject links them). */
  readonly devices: readonly number[];
  /** MajorFunction[0..IRP_MJ_MAXIMUM_FUNCTION]: `Driver!routine`, or null for the I/O manager's default. */
  readonly dispatch: readonly (string | null)[];
  readonly unload: string | null;
}

/** The I/O manager's objects at one event: what `!irp`, `!devstack` and `!drvobj` show. */
export interface IoSnapshot {
  readonly seq: number;
  readonly t: number;
  readonly irps: readonly IrpView[];
  readonly devices: readonly DeviceView[];
  readonly drivers: readonly DriverView[];
}

/** `Driver!name` for a driver routine (JavaScript functions have no address; their name stands in). */
function symbol(driver: string, routine: { readonly name: string } | null): string | null {
  return routine === null ? null : `${driver}!${routine.name !== '' ? routine.name : 'routine'}`;
}

/** One IRP as plain data (`!irp`). */
export function irpView(irp: Irp): IrpView {
  return {
    id: irp.id,
    address: irp.address,
    state: irp.state,
    stackCount: irp.stackCount,
    currentLocation: irp.currentLocation,
    flags: irp.flags,
    status: irp.status,
    information: irp.information,
    pendingReturned: irp.pendingReturned,
    cancel: irp.cancel,
    requestorMode: irp.requestorMode,
    systemBuffer: irp.systemBuffer,
    mdlVa: irp.mdl?.address ?? 0,
    userBuffer: irp.userBuffer,
    thread: irp.thread === null ? null : { tid: irp.thread.id, name: irp.thread.name },
    stack: irp.stack.map(locationView),
  };
}

/** One I/O stack location as plain data. */
export function locationView(sl: IoStackLocation): StackLocationView {
  return {
    major: sl.majorFunction,
    minor: sl.minorFunction,
    flags: sl.flags,
    control: sl.control,
    args: [sl.arg1, sl.arg2, sl.arg3, sl.arg4],
    device: sl.deviceObject?.id ?? null,
    file: sl.fileObject?.id ?? null,
    completionRoutine: completionRoutineOf(sl),
    context: contextOf(sl),
  };
}

/** `Driver!routine` of the completion routine a location holds, or null. */
export function completionRoutineOf(sl: IoStackLocation): string | null {
  return sl.completionRoutine === null ? null : symbol(sl.routineOwner?.name ?? 'nt', sl.completionRoutine);
}

/** The completion routine's context when it is a number, else 0. */
export function contextOf(sl: IoStackLocation): number {
  return typeof sl.context === 'number' ? sl.context >>> 0 : 0;
}

/**
 * Copies the I/O manager's IRPs, devices and drivers into plain data. Call it from a
 * monitor hook to get the state as an event is emitted (`stateAt`); it only reads.
 */
export function snapshotIo(io: IoManager, at: { readonly seq: number; readonly t: number }): IoSnapshot {
  const irps = [...io.irps.values()].filter((irp) => irp.state !== 'freed').map(irpView);
  return { seq: at.seq, t: at.t, irps, devices: deviceViews(io), drivers: driverViews(io) };
}

/** The device objects as plain data (`!devstack`). */
export function deviceViews(io: IoManager): DeviceView[] {
  return io.devices.map((d) => deviceView(d));
}

/** One device object as plain data; `old` itself when it still describes the device (a snapshot reuses it). */
export function deviceView(d: DeviceObject, old?: DeviceView): DeviceView {
  const attached = d.attachedDevice?.id ?? null;
  const lower = d.lowerDevice?.id ?? null;
  const hasExtension = d.extension !== undefined && d.extension !== null;
  if (
    old !== undefined &&
    old.id === d.id &&
    old.name === d.name &&
    old.label === d.label &&
    old.driver === d.driver.name &&
    old.driverId === d.driver.object.id &&
    old.deviceType === d.deviceType &&
    old.flags === d.flags &&
    old.stackSize === d.stackSize &&
    old.attached === attached &&
    old.lower === lower &&
    old.hasExtension === hasExtension &&
    old.deleted === d.deleted
  ) {
    return old;
  }
  return {
    id: d.id,
    name: d.name,
    label: d.label,
    driver: d.driver.name,
    driverId: d.driver.object.id,
    deviceType: d.deviceType,
    flags: d.flags,
    stackSize: d.stackSize,
    attached,
    lower,
    hasExtension,
    deleted: d.deleted,
  };
}

/** The driver objects as plain data (`!drvobj`); with a cache, an unchanged driver's previous view. */
export function driverViews(io: IoManager, cache: DriverViewCache | null = null): DriverView[] {
  const views: DriverView[] = [];
  for (const drv of io.drivers.values()) views.push(cache === null ? driverView(drv) : cache.view(drv));
  return views;
}

function driverView(drv: DriverObject): DriverView {
  return {
    id: drv.object.id,
    name: drv.name,
    devices: drv.devices.map((d) => d.id).reverse(),
    dispatch: drv.majorFunction.map((r) => symbol(drv.name, r)),
    unload: symbol(drv.name, drv.driverUnload),
  };
}

/**
 * The last view of each driver, with what it was built from. A driver's view changes only
 * when its routines or devices do (DriverEntry, AddDevice, unload), and building it makes a
 * `Driver!routine` string per major function: a simulation's snapshots read every driver at
 * every step, so an unchanged driver hands back its previous view — the very same object,
 * which the snapshot then shares without comparing it (Snapshot.ts). One per simulation.
 */
export class DriverViewCache {
  private readonly last = new WeakMap<DriverObject, { readonly routines: readonly unknown[]; readonly unload: unknown; readonly devices: readonly unknown[]; readonly view: DriverView }>();

  view(drv: DriverObject): DriverView {
    const last = this.last.get(drv);
    if (last !== undefined && last.unload === drv.driverUnload && sameItems(last.routines, drv.majorFunction) && sameItems(last.devices, drv.devices)) return last.view;
    const view = driverView(drv);
    this.last.set(drv, { routines: [...drv.majorFunction], unload: drv.driverUnload, devices: [...drv.devices], view });
    return view;
  }
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
