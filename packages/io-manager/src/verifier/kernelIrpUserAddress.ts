import { USER_MAX, USER_MIN } from '@irpsim/core';
import { IRP_MJ } from '../constants.ts';
import type { DriverObject } from '../DriverObject.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';
import { irpAnalysis } from './irpHistory.ts';

const isUser = (address: number): boolean => address >= USER_MIN && address <= USER_MAX;

/** The pointers of a kernel-mode IRP about to be sent that a lower driver would trust: name and value. */
function pointers(irp: Irp): [string, number][] {
  const out: [string, number][] = [
    ['Irp->UserBuffer', irp.userBuffer],
    ['Irp->AssociatedIrp.SystemBuffer', irp.systemBuffer],
  ];
  const next = irp.next();
  if (next !== null && (next.majorFunction === IRP_MJ.DEVICE_CONTROL || next.majorFunction === IRP_MJ.INTERNAL_DEVICE_CONTROL)) {
    out.push(['Parameters.DeviceIoControl.Type3InputBuffer', next.arg4]);
  }
  return out;
}

/**
 * 0xC4/0xE2 (fatal, standard): a driver sends (IoCallDriver) an IRP whose RequestorMode is
 * KernelMode but which carries a user-mode address (verifier-and-objects.md A.3, C20,
 * part E 13). Lower drivers take a KernelMode request's pointers as trusted and neither
 * probe them nor guard them with try/except, so the user's pointer reaches kernel code
 * unchecked — the classic "IoBuildDeviceIoControlRequest around the app's buffer". A
 * driver relaying user data must copy it to system memory (or set RequestorMode =
 * UserMode). Checked once per IRP, at the first IoCallDriver a driver makes with it;
 * params [0xE2, IRP, the user address, 0]. An MDL describing locked user pages is legal.
 */
export function checkKernelIrpUserAddress(io: IoManager, irp: Irp, driver: DriverObject): void {
  if (!io.verifier.on || irp.requestorMode !== 'kernel' || irp.notes['kernelIrpChecked'] === true) return;
  if (irp.state === 'completed' || irp.state === 'freed') return; // 0xC9/0x3 is callDriver.ts's
  irp.notes['kernelIrpChecked'] = true;
  const found = pointers(irp).find(([, address]) => isUser(address));
  if (found === undefined) return;
  const [field, address] = found;
  io.machine.bugcheck({
    code: 0xc4,
    name: 'DRIVER_VERIFIER_DETECTED_VIOLATION',
    params: [0xe2, irp.address, address, 0],
    message: `${driver.name} sent ${io.describeIrp(irp)}, a KernelMode request, whose ${field} is the user-mode address 0x${address.toString(16).toUpperCase()}: lower drivers trust a kernel request's buffers and will not probe it`,
    driver: driver.name,
    analysis: { error: 'IRP with RequestorMode = KernelMode contains a user-mode address', ...irpAnalysis(io.machine, irp) },
  });
}
