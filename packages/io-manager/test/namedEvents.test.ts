import { STATUS, type KEvent } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, IRP_MJ, METHOD, type DriverEntry } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver } from './__helpers__/irpDrivers.ts';

const SYNCHRONIZE = 0x00100000;
const WAIT_OBJECT_0 = 0;
const WAIT_TIMEOUT = 258;
const IOCTL_RING = CTL_CODE(0x22, 0x801, METHOD.BUFFERED, 0);

/** A driver that creates `\BaseNamedObjects\Ready` in DriverEntry and sets it on IOCTL_RING. */
function ringer(seen: { first: KEvent | null; second: KEvent | null }): DriverEntry {
  const inner = deviceDriver({
    name: 'Ringer',
    majors: {
      [IRP_MJ.DEVICE_CONTROL]: function* (k, _device, irp) {
        k.KeSetEvent(seen.first!);
        return yield* complete(k, irp, STATUS.SUCCESS);
      },
    },
  });
  return function* (k, driver, registryPath) {
    const made = yield* k.IoCreateNotificationEvent('\\BaseNamedObjects\\Ready');
    expect(made.status).toBe(STATUS.SUCCESS);
    seen.first = made.event;
    // Create-or-open: a second call with the same name gives the same event (C15).
    seen.second = (yield* k.IoCreateSynchronizationEvent('\\BaseNamedObjects\\Ready')).event;
    return yield* inner(k, driver, registryPath);
  };
}

describe('named kernel events (C15)', () => {
  it('C15 IoCreateNotificationEvent: a new event starts signalled, user mode opens it by name, the driver sets it', () => {
    const seen: { first: KEvent | null; second: KEvent | null } = { first: null, second: null };
    const waits: number[] = [];
    const { result } = boot({
      drivers: { Ringer: ringer(seen) },
      threads: [
        {
          name: 'app',
          *body(u) {
            const ev = yield* u.OpenEvent(SYNCHRONIZE | 0x0002, 'Ready');
            waits.push(yield* u.WaitForSingleObject(ev, 0)); // signalled at creation
            yield* u.ResetEvent(ev);
            waits.push(yield* u.WaitForSingleObject(ev, 0));
            const h = yield* u.CreateFile('\\\\.\\Ringer', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            yield* u.DeviceIoControl(h, IOCTL_RING, 0, 0, 0, 0, u.scratch(4)); // lpBytesReturned may not be NULL here
            waits.push(yield* u.WaitForSingleObject(ev, 0));
            yield* u.CloseHandle(h);
            yield* u.CloseHandle(ev);
          },
        },
      ],
    });
    expect(result.bugcheck ?? null).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(seen.first).not.toBeNull();
    expect(seen.second).toBe(seen.first);
    expect(waits).toEqual([WAIT_OBJECT_0, WAIT_TIMEOUT, WAIT_OBJECT_0]);
  });
});
