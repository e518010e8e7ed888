import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, FILE_FLAG_OVERLAPPED, IRP_MJ, INVALID_HANDLE_VALUE, type DriverEntry, type DriverUnload, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { pendingDevice } from './__helpers__/pendingDevice.ts';
import { deviceDriver, succeed } from './__helpers__/irpDrivers.ts';

/**
 * Unloading a legacy driver (unloadDriver.ts, docs/semantics.md "Driver unload"): NtUnloadDriver
 * marks its devices unload-pending, DriverUnload runs once nothing references them, and code the
 * driver left armed after that is bug check 0xCE (verifier-and-objects.md C.7, invariant 19).
 */

const ERROR_FILE_NOT_FOUND = 2;

/** Echo's DriverUnload: deletes its link and device, as a correct one must. */
const cleanUnload: DriverUnload = function* (k, driver) {
  k.IoDeleteSymbolicLink('\\??\\Echo');
  for (const device of driver.devices) k.IoDeleteDevice(device);
};

/** `\Device\Echo` (link `\??\Echo`) with `unload` as its DriverUnload (none when null); `log` records what ran. */
function echo(unload: DriverUnload | null, log: string[], extra?: (k: Parameters<DriverEntry>[0]) => void): DriverEntry {
  const entry = deviceDriver({
    name: 'Echo',
    majors: {
      [IRP_MJ.CLEANUP]: function* (k, d, irp) {
        log.push('CLEANUP');
        return yield* succeed(k, d, irp);
      },
      [IRP_MJ.CLOSE]: function* (k, d, irp) {
        log.push('CLOSE');
        return yield* succeed(k, d, irp);
      },
    },
  });
  return function* (k, driver, path) {
    const status = yield* entry(k, driver, path);
    if (unload !== null) {
      driver.DriverUnload = function* (k2, d) {
        log.push('DriverUnload');
        yield* unload(k2, d);
      };
    }
    extra?.(k);
    return status;
  };
}

/** Runs `body` as the one user thread, with Echo loaded. */
function run(entry: DriverEntry, body: (u: Win32, log: string[]) => Routine<unknown>, log: string[]) {
  return boot({ drivers: { Echo: entry }, threads: [{ name: 'app', body: (u) => body(u, log) }] });
}

const open = (u: Win32) => u.CreateFile('\\\\.\\Echo', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);

describe('driver unload (unloadDriver.ts)', () => {
  it('IO-9.4 unload with nothing open: DriverUnload runs at PASSIVE_LEVEL in a system thread at once; device, link and \\Driver\\Echo are gone; a later open fails with not found', () => {
    const log: string[] = [];
    const seen: { status?: NtStatus; irql?: number; thread?: string; afterOpen?: number; error?: number } = {};
    const entry = echo(function* (k, d) {
      seen.irql = k.KeGetCurrentIrql();
      seen.thread = k._machine.currentThread().name;
      yield* cleanUnload(k, d);
    }, log);
    const { io, machine, result } = run(entry, function* (u) {
      seen.status = yield* u._io.unloadDriver('Echo');
      log.push('returned');
      seen.afterOpen = yield* open(u);
      seen.error = u.GetLastError();
    }, log);
    expect(result.outcome).toBe('completed');
    expect(seen.status).toBe(STATUS.SUCCESS);
    expect(log).toEqual(['DriverUnload', 'returned']);
    expect(seen.irql).toBe(0);
    expect(seen.thread).toBe('unload Echo');
    expect(io.drivers.has('echo')).toBe(false);
    expect(io.devices.every((d) => d.deleted)).toBe(true);
    expect(machine.objects.lookup('\\Driver\\Echo').object).toBeNull();
    expect(machine.objects.lookup('\\??\\Echo').object).toBeNull();
    expect(seen.afterOpen).toBe(INVALID_HANDLE_VALUE);
    expect(seen.error).toBe(ERROR_FILE_NOT_FOUND);
  });

  it('IO-9.4 unload with a handle open is deferred: opens fail with STATUS_NO_SUCH_DEVICE meanwhile; CloseHandle sends CLEANUP and CLOSE, then DriverUnload runs', () => {
    const log: string[] = [];
    const seen: { status?: NtStatus; second?: number; secondStatus?: number; ioctl?: boolean } = {};
    const { io, result } = run(echo(cleanUnload, log), function* (u) {
      const h = yield* open(u);
      seen.status = yield* u._io.unloadDriver('Echo');
      log.push('unload requested');
      seen.second = yield* open(u);
      seen.secondStatus = u.thread.lastStatus;
      log.push('CloseHandle');
      yield* u.CloseHandle(h);
      log.push('closed');
    }, log);
    expect(result.outcome).toBe('completed');
    expect(seen.status).toBe(STATUS.SUCCESS);
    expect(seen.second).toBe(INVALID_HANDLE_VALUE);
    expect(seen.secondStatus).toBe(STATUS.NO_SUCH_DEVICE);
    expect(log).toEqual(['unload requested', 'CloseHandle', 'CLEANUP', 'CLOSE', 'DriverUnload', 'closed']);
    expect(io.drivers.has('echo')).toBe(false);
  });

  it('a driver without DriverUnload cannot be unloaded: STATUS_INVALID_DEVICE_REQUEST, and its device still opens', () => {
    const log: string[] = [];
    const seen: { status?: NtStatus; handle?: number } = {};
    const { io } = run(echo(null, log), function* (u) {
      seen.status = yield* u._io.unloadDriver('Echo');
      seen.handle = yield* open(u);
    }, log);
    expect(seen.status).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(seen.handle).not.toBe(INVALID_HANDLE_VALUE);
    expect(io.drivers.has('echo')).toBe(true);
  });

  it('a second request while DriverUnload runs is STATUS_DELETE_PENDING; an unknown service STATUS_OBJECT_NAME_NOT_FOUND; a pending unload asked again succeeds', () => {
    const log: string[] = [];
    const seen: Record<string, NtStatus[]> = { a: [], b: [] };
    const slowUnload: DriverUnload = function* (k, d) {
      yield* k.KeDelayExecutionThread('KernelMode', false, -10 * 10_000); // 10 ms
      yield* cleanUnload(k, d);
    };
    const { result } = boot({
      drivers: { Echo: echo(slowUnload, log) },
      threads: [
        {
          name: 'a',
          *body(u) {
            seen.a!.push(yield* u._io.unloadDriver('Nope'));
            const h = yield* open(u);
            seen.a!.push(yield* u._io.unloadDriver('Echo'));
            seen.a!.push(yield* u._io.unloadDriver('Echo')); // still referenced: pending again
            yield* u.CloseHandle(h); // DriverUnload runs (10 ms) before this returns
            seen.a!.push(yield* u._io.unloadDriver('Echo')); // gone
          },
        },
        {
          name: 'b',
          *body(u) {
            yield* u.Sleep(5); // while DriverUnload runs
            seen.b!.push(yield* u._io.unloadDriver('Echo'));
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(seen.a).toEqual([STATUS.OBJECT_NAME_NOT_FOUND, STATUS.SUCCESS, STATUS.SUCCESS, STATUS.OBJECT_NAME_NOT_FOUND]);
    expect(seen.b).toEqual([STATUS.DELETE_PENDING]);
  });

  it('0xCE a timer left armed by DriverUnload fires its DPC into the unloaded image: the bug check names the driver and the DPC', () => {
    const log: string[] = [];
    const entry = echo(cleanUnload, log, (k) => {
      const dpc = k.KeInitializeDpc('Echo.tick', function* tick() {
        log.push('tick');
      });
      k.KeSetTimer(k.KeInitializeTimerEx('Echo.timer'), -10_000_000, dpc); // 1 s, relative
    });
    const { io, result } = run(entry, function* (u) {
      yield* u._io.unloadDriver('Echo');
      yield* u.Sleep(2000);
    }, log);
    expect(log).toEqual(['DriverUnload']);
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0xce, name: 'DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS', driver: 'Echo' });
    const [p1, p2, p3, p4] = result.bugcheck!.params;
    expect([p2, p4]).toEqual([0, 0]);
    expect(p3).toBe(p1);
    // P1 lies in Echo's image, numbered by its driver object's id as the !drvobj renderer does.
    expect(((p1! - 0x8c000000) >>> 16)).toBe(io.devices[0]!.driver.object.id);
    expect(p1! & 0xffff).toBeGreaterThanOrEqual(0x1000);
    expect(result.bugcheck!.message).toContain('DPC Echo.tick');
  });

  it('0xCE not raised when DriverUnload cancels its timer (KeCancelTimer) first', () => {
    const log: string[] = [];
    let timer: ReturnType<Parameters<DriverEntry>[0]['KeInitializeTimerEx']> | null = null;
    const entry = echo(function* (k, d) {
      k.KeCancelTimer(timer!);
      yield* cleanUnload(k, d);
    }, log, (k) => {
      timer = k.KeInitializeTimerEx('Echo.timer');
      k.KeSetTimer(timer, -10_000_000, k.KeInitializeDpc('Echo.tick', function* () {}));
    });
    const { result } = run(entry, function* (u) {
      yield* u._io.unloadDriver('Echo');
      yield* u.Sleep(2000);
    }, log);
    expect(result.outcome).toBe('completed');
  });

  it('0xCE a work item left queued runs into the unloaded image', () => {
    const log: string[] = [];
    const entry = echo(function* (k, d) {
      k.IoQueueWorkItem('Echo.late', function* () {
        log.push('late');
      });
      yield* cleanUnload(k, d);
    }, log);
    const { result } = run(entry, function* (u) {
      yield* u._io.unloadDriver('Echo');
    }, log);
    expect(result.bugcheck).toMatchObject({ code: 0xce, driver: 'Echo' });
    expect(log).not.toContain('late');
  });

  it('0xCE a system thread of the driver still alive when DriverUnload returns', () => {
    const log: string[] = [];
    const entry = echo(cleanUnload, log, (k) => {
      const never = k.KeInitializeEvent('notification');
      k.PsCreateSystemThread('Echo.poller', function* () {
        yield* k.KeWaitForSingleObject(never);
      });
    });
    const { result } = run(entry, function* (u) {
      yield* u._io.unloadDriver('Echo');
    }, log);
    expect(result.bugcheck).toMatchObject({ code: 0xce, driver: 'Echo' });
    expect(result.bugcheck!.message).toContain('system thread Echo.poller');
  });

  it('0xCE not raised for a system thread DriverUnload stops and waits for (KeSetEvent, then a wait on the thread)', () => {
    const log: string[] = [];
    let stop: ReturnType<Parameters<DriverEntry>[0]['KeInitializeEvent']> | null = null;
    let poller: ReturnType<Parameters<DriverEntry>[0]['PsCreateSystemThread']> | null = null;
    const entry = echo(function* (k, d) {
      k.KeSetEvent(stop!);
      yield* k.KeWaitForSingleObject(poller!.exited);
      yield* cleanUnload(k, d);
    }, log, (k) => {
      stop = k.KeInitializeEvent('notification');
      poller = k.PsCreateSystemThread('Echo.poller', function* () {
        yield* k.KeWaitForSingleObject(stop!);
        log.push('poller exits');
      });
    });
    const { result } = run(entry, function* (u) {
      yield* u._io.unloadDriver('Echo');
    }, log);
    expect(result.outcome).toBe('completed');
    expect(log).toEqual(['DriverUnload', 'poller exits']);
  });

  it('0xCE an interrupt left connected: the device interrupts after the unload and the ISR address is gone', () => {
    const log: string[] = [];
    let interrupt: ReturnType<Parameters<DriverEntry>[0]['IoConnectInterrupt']> | null = null;
    const entry = echo(cleanUnload, log, (k) => {
      interrupt = k.IoConnectInterrupt('Echo.irq', 5, function* isr() {
        log.push('isr');
        return true;
      });
    });
    const { result } = run(entry, function* (u) {
      yield* u._io.unloadDriver('Echo');
      u._io.machine.raiseInterrupt(interrupt!);
      yield* u.Sleep(1);
    }, log);
    expect(log).toEqual(['DriverUnload']);
    expect(result.bugcheck).toMatchObject({ code: 0xce, driver: 'Echo' });
    expect(result.bugcheck!.message).toContain('interrupt Echo.irq');
  });

  it('IO-9.6 an IRP still outstanding after CloseHandle holds its file object, so the unload waits for its completion and the CLOSE after it', () => {
    const pend = pendingDevice(() => ({ status: STATUS.SUCCESS, pendMs: 5 }));
    const entry: DriverEntry = function* (k, driver, path) {
      const status = yield* pend(k, driver, path);
      driver.DriverUnload = function* (k2, d) {
        k2.IoDeleteSymbolicLink('\\??\\Pend');
        for (const device of d.devices) k2.IoDeleteDevice(device);
      };
      return status;
    };
    const seen: { afterClose?: boolean; atEnd?: boolean } = {};
    const { io, events, result } = boot({
      drivers: { Pend: entry },
      threads: [
        {
          name: 'app',
          *body(u) {
            const h = yield* u.CreateFile('\\\\.\\Pend', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
            yield* u.DeviceIoControl(h, 0x222000, 0, 0, u.scratch(8), 8, u.scratch(4), u.scratch(20));
            yield* u._io.unloadDriver('Pend');
            yield* u.CloseHandle(h); // CLEANUP now; the IRP still holds the file object
            seen.afterClose = u._io.drivers.has('pend');
            yield* u.Sleep(10);
            seen.atEnd = u._io.drivers.has('pend');
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(seen).toEqual({ afterClose: true, atEnd: false });
    expect(io.drivers.has('pend')).toBe(false);
    const names: Record<number, string> = { [IRP_MJ.DEVICE_CONTROL]: 'IOCTL', [IRP_MJ.CLEANUP]: 'CLEANUP', [IRP_MJ.CLOSE]: 'CLOSE' };
    const majorOf = new Map<number, string>();
    const order = events.flatMap((e) => {
      if (e.type === 'io.irp.alloc') majorOf.set(e.irp, names[e.major] ?? 'other');
      if (e.type === 'io.irp.complete' && majorOf.get(e.irp) === 'IOCTL') return ['IOCTL completed'];
      if (e.type === 'io.irp.alloc' && e.major !== IRP_MJ.CREATE && e.major !== IRP_MJ.DEVICE_CONTROL) return [names[e.major] ?? 'other'];
      return e.type === 'io.driver.unload' ? [e.step] : [];
    });
    expect(order).toEqual(['pending', 'CLEANUP', 'IOCTL completed', 'CLOSE', 'invoked', 'unloaded']);
  });
});
