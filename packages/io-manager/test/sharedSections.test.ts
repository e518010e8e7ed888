import { PAGE, STATUS, encodeUtf8, decodeUtf8, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, DO, ERROR, FILE_ACCESS, FILE_MAP, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type DriverEntry, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';

/** Output: the user address of a view the driver maps into the caller's process. */
const IOCTL_SHARE = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** The driver writes into the caller's view inside try/except. */
const IOCTL_WRITE_GUARDED = CTL_CODE(0x22, 0x801, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** The same write without try/except. */
const IOCTL_WRITE_UNGUARDED = CTL_CODE(0x22, 0x802, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** Output: the first 5 bytes of the section, read through the driver's system-space view. */
const IOCTL_READ_SYSTEM_VIEW = CTL_CODE(0x22, 0x803, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** Output: the address ZwMapViewOfSection gives in a system work item (the System process). */
const IOCTL_SHARE_FROM_WORKER = CTL_CODE(0x22, 0x804, METHOD.BUFFERED, FILE_ACCESS.ANY);

interface Shared {
  userView: number;
  systemView: number;
  section: number;
}

const complete = (status: NtStatus, information = 0): DispatchRoutine =>
  function* (k, _d, irp) {
    irp.ioStatus.status = status;
    irp.ioStatus.information = information;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
  };

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

/**
 * Shares memory with user mode as IO-10.4 says: the driver creates the section with a
 * kernel handle, maps it into the requester's process in its top-level dispatch routine,
 * keeps a system-space view for itself and closes the handle (the views keep the section).
 */
const shareDriver: DriverEntry = function* (k, driver) {
  const { device } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Share' });
  if (device === null) return STATUS.UNSUCCESSFUL;
  device.flags |= DO.BUFFERED_IO;
  k.IoCreateSymbolicLink('\\DosDevices\\Share', '\\Device\\Share');
  const shared: Shared = { userView: 0, systemView: 0, section: 0 };
  driver.MajorFunction[IRP_MJ.CREATE] = complete(STATUS.SUCCESS);
  driver.MajorFunction[IRP_MJ.CLEANUP] = complete(STATUS.SUCCESS);
  driver.MajorFunction[IRP_MJ.CLOSE] = complete(STATUS.SUCCESS);
  driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = function* (k, _d, irp) {
    const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
    let status: NtStatus = STATUS.SUCCESS;
    let information = 0;
    if (code === IOCTL_SHARE) {
      const created = yield* k.ZwCreateSection({ size: 8192 });
      const user = k.ZwMapViewOfSection(created.handle);
      const system = k.MmMapViewInSystemSpace(created.handle);
      yield* k.ZwClose(created.handle);
      Object.assign(shared, { userView: user.base, systemView: system.base, section: created.handle });
      k.writeMemory(irp.systemBuffer, u32(user.base));
      information = 4;
    } else if (code === IOCTL_WRITE_GUARDED) {
      try {
        k.writeMemory(shared.userView, encodeUtf8('from the driver'));
      } catch (error) {
        status = k.GetExceptionCode(error);
      }
    } else if (code === IOCTL_WRITE_UNGUARDED) {
      k.writeMemory(shared.userView, encodeUtf8('from the driver'));
    } else if (code === IOCTL_READ_SYSTEM_VIEW) {
      k.writeMemory(irp.systemBuffer, k.readMemory(shared.systemView, 5));
      information = 5;
    } else if (code === IOCTL_SHARE_FROM_WORKER) {
      k.IoMarkIrpPending(irp);
      const buffer = irp.systemBuffer;
      k.IoQueueWorkItem('map from a worker', function* () {
        const created = yield* k.ZwCreateSection({ size: 4096 });
        const view = k.ZwMapViewOfSection(created.handle);
        yield* k.ZwClose(created.handle);
        k.writeMemory(buffer, u32(view.base));
        irp.ioStatus.status = view.status;
        irp.ioStatus.information = 4;
        yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      });
      return STATUS.PENDING;
    }
    irp.ioStatus.status = status;
    irp.ioStatus.information = information;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
  };
  return STATUS.SUCCESS;
};

function* call(u: Win32, device: number, code: number, outSize = 0): Routine<{ ok: boolean; error: number; out: Uint8Array }> {
  const out = u.scratch(Math.max(outSize, 1));
  const ok = yield* u.DeviceIoControl(device, code, 0, 0, outSize === 0 ? 0 : out, outSize, u.scratch(4));
  return { ok, error: ok ? 0 : u.GetLastError(), out: u.read(out, outSize) };
}

const addressIn = (bytes: Uint8Array) => new DataView(bytes.slice().buffer).getUint32(0, true);

describe('shared sections (io-semantics.md IO-10.4)', () => {
  it('IO-10.4 the driver’s section outlives its handle; the app and the driver’s system view share frames, given on first touch; after the app unmaps, the guarded write fails with STATUS_ACCESS_VIOLATION (998)', () => {
    const { result, results, events, machine } = boot({
      drivers: { Share: shareDriver },
      threads: [
        {
          name: 'app',
          *body(u) {
            const device = yield* u.CreateFile('\\\\.\\Share', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            const shared = addressIn((yield* call(u, device, IOCTL_SHARE, 4)).out);
            u.write(shared, encodeUtf8('hello'));
            const seen = decodeUtf8((yield* call(u, device, IOCTL_READ_SYSTEM_VIEW, 5)).out);
            const guardedWhileMapped = yield* call(u, device, IOCTL_WRITE_GUARDED);
            const driverWrote = decodeUtf8(u.read(shared, 15));
            const unmapped = yield* u.UnmapViewOfFile(shared);
            const guardedAfterUnmap = yield* call(u, device, IOCTL_WRITE_GUARDED);
            const worker = yield* call(u, device, IOCTL_SHARE_FROM_WORKER, 4);
            return { shared, seen, guardedWhileMapped: guardedWhileMapped.ok, driverWrote, unmapped, guardedAfterUnmap: guardedAfterUnmap.error, worker: addressIn(worker.out), pid: u.thread.process.id };
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    const app = results['app'] as Record<string, unknown>;
    expect(app['seen']).toBe('hello');
    expect(app['guardedWhileMapped']).toBe(true);
    expect(app['driverWrote']).toBe('from the driver');
    expect(app['unmapped']).toBe(true);
    expect(app['guardedAfterUnmap']).toBe(ERROR.NOACCESS);
    // Both views were mapped before any page had a frame; the first touch gave one.
    const maps = events.filter((e) => e.type === 'mem.view.map');
    const [userMap, systemMap, workerMap] = maps.map((e) => (e.type === 'mem.view.map' ? e : null)!);
    expect(userMap).toMatchObject({ pid: app['pid'], address: app['shared'], frames: [-1, -1] });
    expect(systemMap).toMatchObject({ pid: 0, frames: [-1, -1] });
    expect(events.filter((e) => e.type === 'mem.section.touch')).toHaveLength(1);
    // ZwMapViewOfSection in a work item maps into the System process, not the app.
    expect(workerMap).toMatchObject({ pid: machine.system.id, address: app['worker'] });
  });

  it('IO-10.4 the same write without try/except after the app unmapped the view is a bug check (0x3B SYSTEM_SERVICE_EXCEPTION)', () => {
    const { result } = boot({
      drivers: { Share: shareDriver },
      threads: [
        {
          name: 'app',
          *body(u) {
            const device = yield* u.CreateFile('\\\\.\\Share', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            const shared = addressIn((yield* call(u, device, IOCTL_SHARE, 4)).out);
            yield* u.UnmapViewOfFile(shared);
            yield* call(u, device, IOCTL_WRITE_UNGUARDED);
          },
        },
      ],
    });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0x3b });
  });

  it('IO-10.4 MapViewOfFile at an offset that is not a multiple of 64 KiB fails with ERROR_MAPPED_ALIGNMENT (1132); at 64 KiB it maps the bytes from there', () => {
    const { result, results } = boot({
      drivers: {},
      threads: [
        {
          name: 'app',
          *body(u) {
            const section = yield* u.CreateFileMapping(0x20000, PAGE.READWRITE);
            const whole = yield* u.MapViewOfFile(section, FILE_MAP.WRITE);
            u.write(whole + 0x10000, encodeUtf8('second'));
            const unaligned = yield* u.MapViewOfFile(section, FILE_MAP.READ, 4096);
            const error = u.GetLastError();
            const aligned = yield* u.MapViewOfFile(section, FILE_MAP.READ, 0x10000);
            return { unaligned, error, text: decodeUtf8(u.read(aligned, 6)) };
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ unaligned: 0, error: ERROR.MAPPED_ALIGNMENT, text: 'second' });
    expect(ERROR.MAPPED_ALIGNMENT).toBe(1132);
    expect(STATUS.MAPPED_ALIGNMENT).toBe(0xc0000220);
  });

  it('IO-10.4 ZwMapViewOfSection with an unaligned offset is STATUS_MAPPED_ALIGNMENT too', () => {
    let answer: NtStatus = -1;
    const entry: DriverEntry = function* (k) {
      const created = yield* k.ZwCreateSection({ size: 0x20000 });
      answer = k.ZwMapViewOfSection(created.handle, 0x1000).status;
      return STATUS.SUCCESS;
    };
    const { result } = boot({ drivers: { Z: entry }, threads: [] });
    expect(result.outcome).toBe('completed');
    expect(answer).toBe(STATUS.MAPPED_ALIGNMENT);
  });
});
