import { Machine, STATUS, encodeUtf8, decodeUtf8, firstCome, type NtStatus, type Routine } from '@irpsim/core';
import { CREATION, INVALID_HANDLE_VALUE, IoManager, Win32, type DriverEntry } from '@irpsim/io-manager';
import { describe, expect, it } from 'vitest';
import { catalogue, defineDriver, loadDriver, slow, IOCTL_METHODS_BUFFERED, IOCTL_METHODS_NEITHER, type DriverDefinition } from '../src/index.ts';

/** Boots a machine, loads `drivers` in order from the boot thread, then runs `user` in a process of its own. */
function boot(drivers: readonly DriverDefinition[], user: (u: Win32) => Routine<unknown> = function* () {}) {
  const machine = new Machine({ strategy: firstCome() });
  const io = new IoManager(machine);
  const loaded: NtStatus[] = [];
  let returned: unknown;
  machine.createSystemThread('boot', function* () {
    for (const d of drivers) loaded.push(yield* loadDriver(io, d));
    machine.createThread(machine.createProcess('app'), 'main', function* (thread) {
      returned = yield* user(new Win32(io, thread));
    });
  });
  const result = machine.engine.run();
  return { result, loaded, returned: () => returned };
}

/** `\\.\Name` → its NT device name, for the filters' check. */
const opensOf = (d: DriverDefinition): readonly string[] => d.opens ?? ['\\\\.\\Slow'];

describe('the driver catalogue', () => {
  for (const driver of catalogue.values()) {
    // The filters attach to \Device\Slow: they load after it, as a scenario lists them.
    const drivers = driver.name.endsWith('-filter') ? [slow, driver] : [driver];
    it(`${driver.name} loads and its devices open and close`, () => {
      const run = boot(drivers, function* (u) {
        const outcomes: boolean[] = [];
        for (const name of opensOf(driver)) {
          const h = yield* u.CreateFile(name, 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
          outcomes.push(h !== INVALID_HANDLE_VALUE && (yield* u.CloseHandle(h)));
        }
        return outcomes;
      });
      expect(run.loaded).toEqual(drivers.map(() => STATUS.SUCCESS));
      expect(run.returned()).toEqual(opensOf(driver).map(() => true));
      expect(run.result.outcome).toBe('completed');
    });
  }

  it('a filter loaded before its device fails its DriverEntry and leaves no device behind', () => {
    const filter = catalogue.get('watch-filter')!;
    const run = boot([filter, slow], function* (u) {
      const h = yield* u.CreateFile('\\\\.\\Slow', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
      const count = u.scratch(4);
      const buffer = u.scratch(8);
      u.write(buffer, encodeUtf8('ab'));
      // Straight to slow: nothing was attached above it.
      const ok = yield* u.DeviceIoControl(h, catalogue.get('slow')!.values!['IOCTL_SLOW_ECHO']!, buffer, 2, buffer, 8, count);
      return [ok, decodeUtf8(u.read(buffer, 2)), u.readU32(count)];
    });
    expect(run.loaded).toEqual([STATUS.OBJECT_NAME_NOT_FOUND, STATUS.SUCCESS]);
    expect(run.returned()).toEqual([true, 'AB', 2]);
  });

  it('methods serves a kernel-mode METHOD_NEITHER request without probing its kernel pointers (IO-3.8)', () => {
    // A kernel caller: IoBuildDeviceIoControlRequest with pool buffers, from a driver's DriverEntry.
    let seen: [NtStatus, number, string, NtStatus, number, string] | null = null;
    const caller = defineDriver({
      name: 'kernel-caller',
      description: 'test: sends IOCTLs to \\Device\\Methods from kernel mode',
      serviceName: 'KernelCaller',
      DriverEntry: function* (k) {
        const target = yield* k.IoGetDeviceObjectPointer('\\Device\\Methods', 0xc0000000);
        if (target.device === null) return target.status;
        const send = function* (code: number): Routine<[NtStatus, number, string]> {
          const input = k.ExAllocatePool(8);
          const output = k.ExAllocatePool(8);
          const iosb = k.ExAllocatePool(8);
          k.writeMemory(input, encodeUtf8('kernel'));
          const event = k.KeInitializeEvent('notification', false);
          const irp = k.IoBuildDeviceIoControlRequest(code, target.device!, input, 6, output, 8, false, event, iosb)!;
          if ((yield* k.IoCallDriver(target.device!, irp)) === STATUS.PENDING) yield* k.KeWaitForSingleObject(event);
          const view = new DataView(k.readMemory(iosb, 8).buffer);
          return [view.getUint32(0, true), view.getUint32(4, true), decodeUtf8(k.readMemory(output, 6))];
        };
        seen = [...(yield* send(IOCTL_METHODS_NEITHER)), ...(yield* send(IOCTL_METHODS_BUFFERED))];
        if (target.fileObject !== null) yield* k.ObDereferenceObject(target.fileObject);
        return STATUS.SUCCESS;
      } satisfies DriverEntry,
    });
    const run = boot([catalogue.get('methods')!, caller]);
    expect(run.loaded).toEqual([STATUS.SUCCESS, STATUS.SUCCESS]);
    expect(seen).toEqual([STATUS.SUCCESS, 6, 'KERNEL', STATUS.SUCCESS, 6, 'KERNEL']);
  });
});
