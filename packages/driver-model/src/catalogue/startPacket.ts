import type { KDeviceQueue, DeviceRef, IrpRef, Kernel } from '@irpsim/io-manager';
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
    yield* state.startIo(k, device, irp);
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
  state.currentIrp = k.KeRemoveDeviceQueue(state.queue);
  if (state.currentIrp !== null) yield* state.startIo(k, device, state.currentIrp);
}
