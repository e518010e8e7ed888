import { enterStartIo, leaveStartIo, noteStartNextPacket, type KDeviceQueue, type DeviceRef, type IrpRef, type Kernel } from '@irpsim/io-manager';
import { IRQL, type Routine } from '@irpsim/core';

/** DriverObject->DriverStartIo: starts the device on one IRP, at DISPATCH_LEVEL. */
export type StartIoRoutine = (k: Kernel, device: DeviceRef, irp: IrpRef) => Routine<void>;

/** What the I/O manager keeps for a StartIo driver: the device queue and DeviceObject->CurrentIrp. */
export interface StartIoState {
  readonly queue: KDeviceQueue<IrpRef>;
  currentIrp: IrpRef | null;
  readonly startIo: StartIoRoutine;
}

/** The device's StartIo state, kept in its extension under `startIo`. */
const stateOf = (device: DeviceRef): StartIoState => (device.extension as { startIo: StartIoState }).startIo;

/**
 * IoStartPacket (C34, B12) without a cancel routine: at DISPATCH_LEVEL, KeInsertDeviceQueue;
 * on an idle device it queues nothing, so the IRP becomes CurrentIrp and StartIo runs now;
 * on a busy one the IRP waits in the queue for IoStartNextPacket. Built on the DDIs the
 * kernel offers (ntoskrnl builds it the same way: ReactOS io/iomgr/device.c).
 */
export function* IoStartPacket(k: Kernel, device: DeviceRef, irp: IrpRef): Routine<void> {
  const state = stateOf(device);
  const old = k.KeRaiseIrql(IRQL.DISPATCH);
  if (!k.KeInsertDeviceQueue(state.queue, irp)) {
    state.currentIrp = irp;
    yield* runStartIo(k, device, state, irp);
  }
  yield* k.KeLowerIrql(old);
}

/**
 * IoStartNextPacket (C34), from the DPC at DISPATCH_LEVEL: clears CurrentIrp, takes the
 * head of the device queue and starts it — the device is busy again before the DPC
 * completes the IRP it has finished (C32).
 */
export function* IoStartNextPacket(k: Kernel, device: DeviceRef): Routine<void> {
  const state = stateOf(device);
  noteStartNextPacket(device); // the verifier's startio-reentered (part E 17)
  state.currentIrp = k.KeRemoveDeviceQueue(state.queue);
  if (state.currentIrp !== null) yield* runStartIo(k, device, state, state.currentIrp);
}

/** Calls the driver's StartIo, telling the verifier it runs (startio-reentered: one StartIo per device at a time, C35). */
function* runStartIo(k: Kernel, device: DeviceRef, state: StartIoState, irp: IrpRef): Routine<void> {
  enterStartIo(k, device, irp);
  try {
    yield* state.startIo(k, device, irp);
  } finally {
    leaveStartIo(device);
  }
}
