import { STATUS, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, IRP_MJ, METHOD, Win32, type DispatchRoutine, type Mdl, type VerifierLevel } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver } from './__helpers__/irpDrivers.ts';

/**
 * Part E 15 (verifier-and-objects.md A.4, C9): pages a driver locked in a process (or mapped
 * into it) must be released before the process exits — 0x76 PROCESS_HAS_LOCKED_PAGES without
 * the verifier, 0xCB DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS (naming the driver) with it.
 */

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.NEITHER, 0);

/** The app sends one METHOD_NEITHER IOCTL with a 3-page output buffer, closes its handle, then exits. */
function* app(u: Win32): Routine<boolean> {
  const h = yield* u.CreateFile('\\\\.\\Locker', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(0x2000), 0x2000, u.scratch(4));
  yield* u.CloseHandle(h);
  return ok;
}

type K = Parameters<DispatchRoutine>[0];

/**
 * A driver that locks the caller's output buffer (and maps it into user space when `map`)
 * in the IOCTL and releases it in IRP_MJ_CLEANUP (after the handle's last close, before the
 * process exits) unless `leak` says what it forgets.
 */
function locker(leak: 'nothing' | 'unlock' | 'unmap', map: boolean, seen: { pages: number; address: number }) {
  let mdl: Mdl | null = null;
  const ioctl: DispatchRoutine = function* (k: K, _d, irp) {
    const buffer = irp.userBuffer;
    mdl = k.IoAllocateMdl(buffer, 0x2000, false, false, null)!;
    k.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess');
    seen.pages = mdl.frames.length;
    if (map) seen.address = k.MmMapLockedPagesSpecifyCache(mdl, 'UserMode');
    return yield* complete(k, irp, STATUS.SUCCESS);
  };
  const cleanup: DispatchRoutine = function* (k: K, _d, irp) {
    if (mdl !== null) {
      if (map && leak !== 'unmap') k.MmUnmapLockedPages(seen.address, mdl);
      if (leak !== 'unlock') k.MmUnlockPages(mdl);
      // IoFreeMdl of a still-mapped MDL is 0xC4/0xB8 already: the 'unmap' leak keeps the MDL.
      if (leak === 'nothing') k.IoFreeMdl(mdl);
    }
    return yield* complete(k, irp, STATUS.SUCCESS);
  };
  return deviceDriver({ name: 'Locker', majors: { [IRP_MJ.DEVICE_CONTROL]: ioctl, [IRP_MJ.CLEANUP]: cleanup } });
}

/** Like `app`, but exits with its handle open: the rundown closes it (CLEANUP) before the exit. */
function* appNoClose(u: Win32): Routine<boolean> {
  const h = yield* u.CreateFile('\\\\.\\Locker', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  return yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(0x2000), 0x2000, u.scratch(4));
}

function run(verifier: VerifierLevel, leak: 'nothing' | 'unlock' | 'unmap', map = false, body = app) {
  const seen = { pages: 0, address: 0 };
  const { result } = boot({ verifier, drivers: { Locker: locker(leak, map, seen) }, threads: [{ name: 'app', body }] });
  return { result, seen };
}

describe('part E 15: pages unlocked and unmapped before the process exits', () => {
  it('0xCB: a driver that never unlocks the buffer it locked is caught at process exit, naming the driver (verifier on)', () => {
    for (const level of ['standard', 'enhanced'] as const) {
      const { result, seen } = run(level, 'unlock');
      expect(seen.pages).toBe(2);
      expect(result.bugcheck).toMatchObject({ code: 0xcb, name: 'DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS', driver: 'Locker', params: [0, 0, 0, seen.pages] });
      expect(result.bugcheck!.message).toContain('MmProbeAndLockPages without MmUnlockPages');
    }
  });

  it('0x76: without the verifier the same leak is PROCESS_HAS_LOCKED_PAGES [0, process, pages, 0]', () => {
    const { result, seen } = run('off', 'unlock');
    expect(result.bugcheck).toMatchObject({ code: 0x76, name: 'PROCESS_HAS_LOCKED_PAGES', params: [0, 0, seen.pages, 0] });
  });

  it('0xCB: a user mapping left at process exit (no MmUnmapLockedPages) is caught under the verifier, naming the mapped address', () => {
    const { result, seen } = run('enhanced', 'unmap', true);
    expect(seen.address).toBeGreaterThan(0);
    expect(result.bugcheck).toMatchObject({ code: 0xcb, driver: 'Locker' });
    expect(result.bugcheck!.message).toContain(`0x${seen.address.toString(16).toUpperCase()}`);
    // Without the verifier the view goes with the address space: no 0x76 (its pages were unlocked).
    expect(run('off', 'unmap', true).result.bugcheck).toBeNull();
  });

  it('0xCB: a driver that unlocks (and unmaps) in IRP_MJ_CLEANUP runs clean at every level', () => {
    for (const level of ['off', 'standard', 'enhanced'] as const) {
      for (const map of [false, true]) {
        const { result } = run(level, 'nothing', map);
        expect(result.bugcheck).toBeNull();
        expect(result.violations).toEqual([]);
      }
    }
  });

  it('0xCB: the check runs after the rundown closed the handles, so releasing in IRP_MJ_CLEANUP of a handle left open is in time', () => {
    expect(run('enhanced', 'nothing', true, appNoClose).result.bugcheck).toBeNull();
    expect(run('enhanced', 'unlock', false, appNoClose).result.bugcheck).toMatchObject({ code: 0xcb, driver: 'Locker' });
  });
});
