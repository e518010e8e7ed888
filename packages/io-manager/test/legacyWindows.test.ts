import { STATUS, type NtStatus } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { FILE_DISPOSITION, FILE_OPTION, IRP_MJ, type DispatchRoutine } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver } from './__helpers__/irpDrivers.ts';

/** Reads pend under a cancel routine that completes them with {STATUS_CANCELLED, 0} (IO-6.2). */
const cancellableRead: DispatchRoutine = function* (k, _d, irp) {
  k.IoMarkIrpPending(irp);
  k.IoSetCancelRoutine(irp, function* (k2, _device, irp2) {
    yield* k2.IoReleaseCancelSpinLock(irp2.cancelIrql);
    yield* complete(k2, irp2, STATUS.CANCELLED, 0);
  });
  return STATUS.PENDING;
};

/**
 * A reader blocked in NtReadFile on a FILE_SYNCHRONOUS_IO_ALERT handle, with its own event
 * and a preset IOSB; a user APC queued to it at 5 ms ends the wait, the I/O manager cancels
 * the read (IO-7.14). What the caller's IOSB and event show afterwards depends on the
 * Windows version (IO-7.7).
 */
function alertedRead(windows: 'current' | 'legacy') {
  const reader: { status?: NtStatus; iosb?: [number, number]; signalled?: boolean } = {};
  const { result } = boot({
    windows,
    drivers: { Dev: deviceDriver({ name: 'Dev', majors: { [IRP_MJ.READ]: cancellableRead } }) },
    threads: [
      {
        name: 'app',
        *body(u) {
          const thread = yield* u.CreateThread('reader', function* (r) {
            const out = r.scratch(16);
            yield* r._io.machine.systemCall('NtCreateFile', {
              handleOut: out,
              desiredAccess: 0xc0100080,
              name: '\\Device\\Dev',
              iosb: out + 8,
              shareAccess: 0,
              disposition: FILE_DISPOSITION.OPEN,
              options: FILE_OPTION.SYNCHRONOUS_IO_ALERT | FILE_OPTION.NON_DIRECTORY_FILE,
            });
            const event = yield* r.CreateEvent(true, false);
            const iosb = r.scratch(8);
            r.writeU32(iosb, 0xaaaaaaaa);
            r.writeU32(iosb + 4, 0xbbbbbbbb);
            const args = { handle: r.readU32(out), event, apcRoutine: 0, apcContext: 0, iosb, buffer: r.scratch(8), length: 8, byteOffset: 0, key: 0 };
            reader.status = yield* r._io.machine.systemCall('NtReadFile', args);
            reader.iosb = [r.readU32(iosb), r.readU32(iosb + 4)];
            reader.signalled = (yield* r.WaitForSingleObject(event, 0)) === 0;
          });
          yield* u.Sleep(5);
          yield* u.QueueUserAPC(function* () {}, thread);
        },
      },
    ],
  });
  return { result, reader };
}

describe('windows: current | legacy (io-semantics.md Legacy notes)', () => {
  it('IO-7.14 an alerted synchronous read returns STATUS_CANCELLED; current Windows writes {STATUS_CANCELLED, 0} and signals the caller\'s event', () => {
    const { result, reader } = alertedRead('current');
    expect(result.outcome).toBe('completed');
    expect(reader).toEqual({ status: STATUS.CANCELLED, iosb: [STATUS.CANCELLED, 0], signalled: true });
  });

  it('IO-7.14 (legacy) older Windows 10 leaves the caller\'s IOSB and event untouched', () => {
    const { result, reader } = alertedRead('legacy');
    expect(result.outcome).toBe('completed');
    expect(reader).toEqual({ status: STATUS.CANCELLED, iosb: [0xaaaaaaaa, 0xbbbbbbbb], signalled: false });
  });
});
