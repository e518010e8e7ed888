import { STATUS, decodeUtf8, encodeUtf8 } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, FILE_ACCESS, IO_NO_INCREMENT, IRP_MJ, METHOD, type DriverEntry } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';

const IOCTL_ECHO = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);

const seen: { inputLength: number; outputLength: number; systemBuffer: number; bytes: string }[] = [];

/** A driver that echoes METHOD_BUFFERED input back: the data is already in the system buffer. */
const echoDriver: DriverEntry = function* (k, driver) {
  const { status } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Hello' });
  if (status !== STATUS.SUCCESS) return status;
  k.IoCreateSymbolicLink('\\??\\Hello', '\\Device\\Hello');
  driver.MajorFunction[IRP_MJ.CREATE] = function* (k, _device, irp) {
    irp.ioStatus.status = STATUS.SUCCESS;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS.SUCCESS;
  };
  driver.MajorFunction[IRP_MJ.CLOSE] = driver.MajorFunction[IRP_MJ.CREATE]!;
  driver.MajorFunction[IRP_MJ.CLEANUP] = driver.MajorFunction[IRP_MJ.CREATE]!;
  driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = function* (k, _device, irp) {
    const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
    const buffer = irp.systemBuffer;
    seen.push({
      inputLength: p.inputBufferLength,
      outputLength: p.outputBufferLength,
      systemBuffer: buffer,
      bytes: decodeUtf8(k.readMemory(buffer, p.inputBufferLength)),
    });
    irp.ioStatus.status = STATUS.SUCCESS;
    irp.ioStatus.information = p.inputBufferLength;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS.SUCCESS;
  };
  return STATUS.SUCCESS;
};

describe('the vertical slice: open, one METHOD_BUFFERED IOCTL, close', () => {
  it('echoes the bytes through a system buffer of max(in, out) and copies back exactly Information bytes', () => {
    seen.length = 0;
    const { result, results, events } = boot({
      drivers: { Hello: echoDriver },
      threads: [
        {
          name: 'app',
          *body(u) {
            const h = yield* u.CreateFile('\\\\.\\Hello', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            const input = u.scratch(4096);
            const output = u.scratch(4096);
            const count = u.scratch(4096);
            u.write(input, encodeUtf8('Hello, kernel'));
            u.write(output, new Uint8Array(32).fill(0xee));
            const ok = yield* u.DeviceIoControl(h, IOCTL_ECHO, input, 13, output, 32, count);
            const closed = yield* u.CloseHandle(h);
            return { h, ok, closed, bytes: u.read(output, 32), count: u.readU32(count) };
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    const app = results['app'] as { h: number; ok: boolean; closed: boolean; bytes: Uint8Array; count: number };
    expect(app.ok).toBe(true);
    expect(app.closed).toBe(true);
    expect(app.count).toBe(13);
    expect(decodeUtf8(app.bytes.subarray(0, 13))).toBe('Hello, kernel');
    expect([...app.bytes.subarray(13)].every((b) => b === 0xee)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ inputLength: 13, outputLength: 32, bytes: 'Hello, kernel' });
    const buffers = events.find((e) => e.type === 'io.irp.buffers');
    expect(buffers).toMatchObject({ method: 'buffered', systemBufferLength: 32 });
    const majors = events.filter((e) => e.type === 'io.irp.call').map((e) => (e.type === 'io.irp.call' ? e.major : -1));
    expect(majors).toEqual([IRP_MJ.CREATE, IRP_MJ.DEVICE_CONTROL, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]);
    const lookup = events.find((e) => e.type === 'ob.lookup');
    expect(lookup).toMatchObject({ path: ['\\??\\Hello', '\\Device\\Hello'] });
    const gates = events.filter((e) => e.type === 'syscall.enter');
    expect(gates.every((e) => e.type === 'syscall.enter' && e.previousMode === 'user')).toBe(true);
  });
});
