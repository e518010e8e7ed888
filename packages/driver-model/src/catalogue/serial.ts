import { STATUS, type KDpc, type KInterrupt } from '@irpsim/core';
import { DO, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, type DeviceRef, type DispatchRoutine, type Kernel } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { succeed } from './driverHelpers.ts';
import { SimulatedHardware } from './SimulatedHardware.ts';
import { IoStartNextPacket, IoStartPacket, type StartIoRoutine, type StartIoState } from './startPacket.ts';

/** The UART's interrupt line runs at this DIRQL. */
const SERIAL_DIRQL = 5;
/** Time to shift one byte out, in ns: one of these, drawn through the scheduler for each byte. */
const BYTE_TIMES = [8_000, 10_000, 12_000] as const;
/** Status register bit: the transmitter has sent everything it was given. */
const TX_DONE = 1;

/** The UART's registers: a transmit buffer it shifts out byte by byte, and a loopback receive FIFO. */
interface Uart {
  status: number;
  /** Bytes loaded for transmission and not yet sent. */
  tx: number[];
  /** Bytes the wire looped back, oldest first: what a read returns. */
  readonly rx: number[];
}

interface Extension {
  readonly startIo: StartIoState;
  readonly hw: SimulatedHardware<Uart>;
  interrupt: KInterrupt | null;
  readonly dpc: KDpc;
}

/** The hardware: sends one byte per drawn byte time into the loopback FIFO; when the buffer is empty it sets TX_DONE and interrupts. */
function shiftOut(ext: Extension): void {
  const uart = ext.hw.registers;
  ext.hw.after(ext.hw.latency(BYTE_TIMES), () => {
    uart.rx.push(uart.tx.shift()!);
    if (uart.tx.length > 0) return shiftOut(ext);
    uart.status |= TX_DONE;
    ext.hw.interrupt(ext.interrupt!);
  });
}

/** StartIo, at DISPATCH_LEVEL, one IRP at a time: loads the write's bytes into the transmitter (C34). */
const startIo: StartIoRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const length = k.IoGetCurrentIrpStackLocation(irp).parameters.write.length;
  k.DbgPrint(`StartIo: the UART starts sending ${length} bytes of IRP ${irp.id}`);
  ext.hw.registers.tx = Array.from(k.readMemory(irp.systemBuffer, length));
  shiftOut(ext);
  yield* k.schedulingPoint();
};

/** The ISR, at DIRQL: is it ours? then acknowledge the device and queue the DPC, nothing more (C29, C30). */
function* isr(k: Kernel, ext: Extension) {
  const uart = ext.hw.registers;
  if ((uart.status & TX_DONE) === 0) return false;
  uart.status &= ~TX_DONE;
  k.DbgPrint('ISR: the transmitter is empty - acknowledge it, queue the DPC');
  k.KeInsertQueueDpc(ext.dpc);
  yield* k.schedulingPoint();
  return true;
}

/**
 * The DPC (DpcForIsr), at DISPATCH_LEVEL: the current write is finished; start the next
 * one, then complete this one — IoStartNextPacket just before IoCompleteRequest (C32).
 */
function* dpcForIsr(k: Kernel, device: DeviceRef) {
  const ext = device.extension as Extension;
  const irp = ext.startIo.currentIrp;
  if (irp === null) return;
  yield* IoStartNextPacket(k, device);
  irp.ioStatus.status = STATUS.SUCCESS;
  irp.ioStatus.information = k.IoGetCurrentIrpStackLocation(irp).parameters.write.length;
  k.DbgPrint(`DPC completes write IRP ${irp.id} (${irp.ioStatus.information} bytes sent)`);
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
}

/** IRP_MJ_WRITE: an empty write completes at once; any other is marked pending and handed to IoStartPacket. */
const write: DispatchRoutine = function* (k, device, irp) {
  if (k.IoGetCurrentIrpStackLocation(irp).parameters.write.length === 0) {
    irp.ioStatus.status = STATUS.SUCCESS;
    irp.ioStatus.information = 0;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS.SUCCESS;
  }
  k.IoMarkIrpPending(irp);
  k.DbgPrint(`IoStartPacket(IRP ${irp.id}): ${(device.extension as Extension).startIo.queue.busy ? 'the device is busy, it waits in the device queue' : 'the device is idle, StartIo runs now'}`);
  yield* IoStartPacket(k, device, irp);
  return STATUS.PENDING;
};

/** IRP_MJ_READ: what the wire looped back, oldest first, taken under the interrupt spin lock (KeSynchronizeExecution). */
const read: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const length = k.IoGetCurrentIrpStackLocation(irp).parameters.read.length;
  const bytes = yield* k.KeSynchronizeExecution(ext.interrupt!, function* () {
    yield* k.schedulingPoint();
    return ext.hw.registers.rx.splice(0, length);
  });
  k.writeMemory(irp.systemBuffer, Uint8Array.from(bytes));
  irp.ioStatus.status = STATUS.SUCCESS;
  irp.ioStatus.information = bytes.length;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return STATUS.SUCCESS;
};

/**
 * \Device\Serial — a loopback UART driven the classic way: writes are serialised by
 * IoStartPacket / StartIo, the hardware shifts bytes out at a drawn speed and interrupts
 * when done, the ISR queues a DPC, and the DPC starts the next write and completes this one.
 */
export const serial = defineDriver({
  name: 'serial',
  description: 'Device \\\\.\\Serial: a loopback UART - writes serialised by IoStartPacket/StartIo, bytes sent by simulated hardware at drawn speeds, ISR -> DPC -> IoStartNextPacket + completion; reads return what was looped back',
  serviceName: 'Serial',
  opens: ['\\\\.\\Serial'],
  *DriverEntry(k, driver) {
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\Serial', deviceType: FILE_DEVICE.SERIAL_PORT });
    if (created.device === null) return created.status;
    const device = created.device;
    device.flags |= DO.BUFFERED_IO;
    const ext: Extension = {
      startIo: { queue: k.KeInitializeDeviceQueue(), currentIrp: null, startIo },
      hw: new SimulatedHardware<Uart>(k, 'Serial', { status: 0, tx: [], rx: [] }),
      interrupt: null,
      dpc: k.KeInitializeDpc('Serial DpcForIsr', () => dpcForIsr(k, device)),
    };
    ext.interrupt = k.IoConnectInterrupt('Serial', SERIAL_DIRQL, () => isr(k, ext));
    device.extension = ext;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\Serial', '\\Device\\Serial');
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.READ] = read;
    driver.MajorFunction[IRP_MJ.WRITE] = write;
    return STATUS.SUCCESS;
  },
});
