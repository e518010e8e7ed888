import { STATUS } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, FILE_ACCESS, IO_NO_INCREMENT, IRP_MJ, METHOD, type DriverEntry } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';

const IOCTL = CTL_CODE(0x22, 0x801, METHOD.BUFFERED, FILE_ACCESS.ANY);

const seen: { same: boolean; parameters: unknown; ioStatus: unknown; code: number }[] = [];

/**
 * The views a driver is handed: a stack location is the same reference at each call, its
 * parameter union and the IRP's IoStatus read and write the IRP's fields, and as JSON they
 * show the member the request selects and the status.
 */
const driver: DriverEntry = function* (k, object) {
  const { status } = k.IoCreateDevice(object, { deviceName: '\\Device\\Views' });
  if (status !== STATUS.SUCCESS) return status;
  k.IoCreateSymbolicLink('\\??\\Views', '\\Device\\Views');
  object.MajorFunction[IRP_MJ.CREATE] = function* (k, _device, irp) {
    irp.ioStatus.status = STATUS.SUCCESS;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS.SUCCESS;
  };
  object.MajorFunction[IRP_MJ.CLOSE] = object.MajorFunction[IRP_MJ.CREATE]!;
  object.MajorFunction[IRP_MJ.CLEANUP] = object.MajorFunction[IRP_MJ.CREATE]!;
  object.MajorFunction[IRP_MJ.DEVICE_CONTROL] = function* (k, _device, irp) {
    const sl = k.IoGetCurrentIrpStackLocation(irp);
    const p = sl.parameters.deviceIoControl;
    irp.ioStatus.status = STATUS.SUCCESS;
    irp.ioStatus.information = 3;
    seen.push({ same: sl === k.IoGetCurrentIrpStackLocation(irp), parameters: JSON.parse(JSON.stringify(p)), ioStatus: JSON.parse(JSON.stringify(irp.ioStatus)), code: p.ioControlCode });
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS.SUCCESS;
  };
  return STATUS.SUCCESS;
};

describe('the references a driver is handed', () => {
  it('keep one location reference per location, and show parameters and IoStatus as JSON', () => {
    seen.length = 0;
    const { result } = boot({
      drivers: { Views: driver },
      threads: [
        {
          name: 'app',
          *body(u) {
            const h = yield* u.CreateFile('\\\\.\\Views', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            const buffer = u.scratch(64);
            const ok = yield* u.DeviceIoControl(h, IOCTL, buffer, 5, buffer, 7, u.scratch(4));
            yield* u.CloseHandle(h);
            return ok;
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.same).toBe(true);
    expect(seen[0]!.code).toBe(IOCTL);
    expect(seen[0]!.parameters).toMatchObject({ majorFunction: IRP_MJ.DEVICE_CONTROL, inputBufferLength: 5, outputBufferLength: 7, ioControlCode: IOCTL, type3InputBuffer: 0 });
    expect(seen[0]!.ioStatus).toMatchObject({ status: STATUS.SUCCESS, information: 3 });
  });
});
