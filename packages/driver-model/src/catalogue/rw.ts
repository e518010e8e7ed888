import { STATUS, encodeUtf8, hex, type NtStatus } from '@irpsim/core';
import { DO, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, type DeviceRef, type DispatchRoutine, type IrpRef, type Kernel, type Mdl } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { showBytes, succeed } from './driverHelpers.ts';

/** What each device stores at boot: 32 bytes whose offsets are easy to read off. */
export const RW_CONTENT = 'abcdefghijklmnopqrstuvwxyz012345';

type Mode = 'buffered' | 'direct' | 'neither';

interface Extension {
  readonly mode: Mode;
  /** The device's bytes: reads copy from here, writes into here. */
  readonly store: Uint8Array;
}

/** The three devices: same store, one I/O mode each (DO_BUFFERED_IO, DO_DIRECT_IO, neither flag). */
const DEVICES: readonly { readonly name: string; readonly mode: Mode; readonly flag: number }[] = [
  { name: 'RwBuffered', mode: 'buffered', flag: DO.BUFFERED_IO },
  { name: 'RwDirect', mode: 'direct', flag: DO.DIRECT_IO },
  { name: 'RwNeither', mode: 'neither', flag: 0 },
];

/**
 * Where this device's driver finds the caller's buffer (IO-4.1): the system buffer the
 * I/O manager allocated, the MDL's system-space mapping, or the raw user pointer — which
 * it probes first, since nobody else did (a user-mode caller only). 0 when there is none.
 */
function callerBuffer(k: Kernel, irp: IrpRef, mode: Mode, length: number, write: boolean): number {
  if (mode === 'buffered') {
    k.DbgPrint(`DO_BUFFERED_IO: the data is in Irp->AssociatedIrp.SystemBuffer = ${hex(irp.systemBuffer)} (kernel pool)`);
    return irp.systemBuffer;
  }
  if (mode === 'direct') {
    const mdl = irp.mdlAddress as Mdl | null;
    if (mdl === null) return 0;
    const address = k.MmGetSystemAddressForMdlSafe(mdl);
    k.DbgPrint(`DO_DIRECT_IO: Irp->MdlAddress locks the caller's buffer; the driver uses its system address ${hex(address)}`);
    return address;
  }
  const user = irp.userBuffer;
  k.DbgPrint(`neither: Irp->UserBuffer = ${hex(user)} is the caller's own pointer; the driver probes it itself`);
  if (irp.requestorMode === 'UserMode') {
    if (write) k.ProbeForWrite(user, length, 1);
    else k.ProbeForRead(user, length, 1);
  }
  return user;
}

/** One read or write against the store; exceptions from a bad neither-I/O pointer become its status. */
function transfer(k: Kernel, device: DeviceRef, irp: IrpRef, read: boolean): { status: NtStatus; information: number } {
  const ext = device.extension as Extension;
  const sl = k.IoGetCurrentIrpStackLocation(irp);
  const p = read ? sl.parameters.read : sl.parameters.write;
  const offset = p.byteOffset;
  k.DbgPrint(`${read ? 'IRP_MJ_READ' : 'IRP_MJ_WRITE'}: Length ${p.length}, ByteOffset ${offset}`);
  if (p.length === 0) return { status: STATUS.SUCCESS, information: 0 };
  if (offset < 0 || offset >= ext.store.length) return { status: STATUS.END_OF_FILE, information: 0 };
  const n = Math.min(p.length, ext.store.length - offset);
  try {
    const buffer = callerBuffer(k, irp, ext.mode, p.length, read);
    if (buffer === 0) return { status: STATUS.INVALID_PARAMETER, information: 0 };
    if (read) {
      k.writeMemory(buffer, ext.store.subarray(offset, offset + n));
      k.DbgPrint(`copies ${n} bytes from offset ${offset}: ${showBytes(ext.store.subarray(offset, offset + n))}; Information = ${n}`);
    } else {
      const bytes = k.readMemory(buffer, n);
      ext.store.set(bytes, offset);
      k.DbgPrint(`stores ${n} bytes at offset ${offset}: ${showBytes(bytes)}; Information = ${n}`);
    }
  } catch (error) {
    return { status: k.GetExceptionCode(error), information: 0 };
  }
  return { status: STATUS.SUCCESS, information: n };
}

function readWrite(read: boolean): DispatchRoutine {
  return function* (k, device, irp) {
    const { status, information } = transfer(k, device, irp, read);
    irp.ioStatus.status = status;
    irp.ioStatus.information = information;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
  };
}

/**
 * Three devices over the same kind of store — \Device\RwBuffered (DO_BUFFERED_IO),
 * \Device\RwDirect (DO_DIRECT_IO) and \Device\RwNeither (neither) — so ReadFile and
 * WriteFile can be compared across the three I/O modes. Each holds RW_CONTENT at boot;
 * reads past the end fail with STATUS_END_OF_FILE, reads across it are cut short.
 */
export const rw = defineDriver({
  name: 'rw',
  description: 'Three devices \\\\.\\RwBuffered, \\\\.\\RwDirect, \\\\.\\RwNeither: ReadFile/WriteFile on a 32-byte store in each I/O mode',
  serviceName: 'Rw',
  opens: DEVICES.map((d) => `\\\\.\\${d.name}`),
  *DriverEntry(k, driver) {
    for (const d of DEVICES) {
      const created = k.IoCreateDevice(driver, { deviceName: `\\Device\\${d.name}`, deviceType: FILE_DEVICE.UNKNOWN });
      if (created.device === null) return created.status;
      created.device.flags |= d.flag;
      created.device.extension = { mode: d.mode, store: encodeUtf8(RW_CONTENT) } satisfies Extension;
      const linked = k.IoCreateSymbolicLink(`\\DosDevices\\${d.name}`, `\\Device\\${d.name}`);
      if (linked !== STATUS.SUCCESS) return linked;
    }
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.READ] = readWrite(true);
    driver.MajorFunction[IRP_MJ.WRITE] = readWrite(false);
    yield* k.schedulingPoint();
    return STATUS.SUCCESS;
  },
});
