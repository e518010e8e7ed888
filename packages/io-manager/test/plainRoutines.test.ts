import { STATUS } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, FILE_FLAG_OVERLAPPED, METHOD, type CompletionRoutine, type DeviceRef, type DispatchRoutine, type IrpRef, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { catchingFilter, complete, oneIoctl, threeDeep, type Stack } from './__helpers__/irpDrivers.ts';

const IOCTL = CTL_CODE(0x22, 0x810, METHOD.BUFFERED, 0);

/** How a filter of the three-deep stack is written: generators, or plain functions as in C. */
type Style = 'generator' | 'plain';

/** A filter that copies its location down, sets a completion routine that propagates pending and counts, and forwards. */
function filter(style: Style, lower: () => DeviceRef, seen: string[], name: string): DispatchRoutine {
  const routine: CompletionRoutine =
    style === 'plain'
      ? (k, _device, irp) => {
          seen.push(`${name} sees ${irp.ioStatus.status.toString(16)} pending=${irp.pendingReturned}`);
          if (irp.pendingReturned) k.IoMarkIrpPending(irp);
          return STATUS.SUCCESS;
        }
      : function* (k, _device, irp) {
          seen.push(`${name} sees ${irp.ioStatus.status.toString(16)} pending=${irp.pendingReturned}`);
          if (irp.pendingReturned) k.IoMarkIrpPending(irp);
          return STATUS.SUCCESS;
        };
  return style === 'plain'
    ? (k, _device, irp) => {
        k.IoCopyCurrentIrpStackLocationToNext(irp);
        k.IoSetCompletionRoutine(irp, routine, null, true, true, true);
        return k.IoCallDriver(lower(), irp);
      }
    : function* (k, _device, irp) {
        k.IoCopyCurrentIrpStackLocationToNext(irp);
        k.IoSetCompletionRoutine(irp, routine, null, true, true, true);
        return yield* k.IoCallDriver(lower(), irp);
      };
}

/**
 * The bottom driver pends every IOCTL in a plain dispatch routine and a timer DPC completes
 * it 1 µs later with 3 bytes; `style` decides how the two filters above are written.
 */
function run(style: Style) {
  const seen: string[] = [];
  const s: Partial<Stack> = {};
  let held: IrpRef | null = null;
  const bottom: DispatchRoutine = (k, _device, irp) => {
    // A plain dispatch routine that pends: no wait, nothing to run — its status is its return value.
    k.IoMarkIrpPending(irp);
    held = irp;
    k.KeSetTimer(k.KeInitializeTimerEx('later'), -10, k.KeInitializeDpc('CompleteLater', function* () {
      const irp = held!;
      irp.ioStatus.information = 3;
      yield* complete(k, irp, STATUS.SUCCESS, 3);
    }));
    return STATUS.PENDING;
  };
  const { result, machine } = boot({
    verifier: 'enhanced',
    drivers: threeDeep({ a: filter(style, () => s.belowA!, seen, 'A'), b: filter(style, () => s.belowB!, seen, 'B'), c: bottom }, s),
    threads: [
      {
        name: 'app',
        *body(u: Win32) {
          const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
          const count = u.scratch(4);
          const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, count);
          seen.push(`DeviceIoControl ${ok} ${u.readU32(count)}`);
          const o = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
          const overlapped = u.scratch(20);
          seen.push(`overlapped ${yield* u.DeviceIoControl(o, IOCTL, 0, 0, u.scratch(8), 8, 0, overlapped)} ${u.GetLastError()}`);
          yield* u.Sleep(1);
        },
      },
    ],
  });
  return { result, seen, machine };
}

describe('dispatch and completion routines as plain functions (routines.ts)', () => {
  it('IO-5.2, IO-5.13 a plain filter ending with `return k.IoCallDriver(…)` and a plain completion routine behave as their generator twins', () => {
    const plain = run('plain');
    const generator = run('generator');
    expect(plain.result.outcome).toBe('completed');
    expect(plain.result.violations).toEqual([]);
    expect(plain.seen).toEqual(generator.seen);
    expect(plain.seen).toEqual([
      'B sees 0 pending=true',
      'A sees 0 pending=true',
      'DeviceIoControl true 3',
      'overlapped false 997', // ERROR_IO_PENDING: the caller is back before the DPC completes it
      'B sees 0 pending=true',
      'A sees 0 pending=true',
    ]);
    // The same steps and choices: the plain forms change the cost, never the run.
    expect(plain.result.stats.steps).toBe(generator.result.stats.steps);
    expect(plain.result.choices).toEqual(generator.result.choices);
    expect(JSON.stringify(plain.machine.trace.events)).toBe(JSON.stringify(generator.machine.trace.events));
  });

  it('IO-5.14 a plain dispatch routine that pends returns STATUS_PENDING as its value, and the caller waits for the final status', () => {
    const { result, seen } = run('plain');
    expect(result.outcome).toBe('completed');
    expect(seen).toContain('DeviceIoControl true 3');
  });

  it('a plain dispatch routine that throws is a bug check naming its driver, like a generator that throws', () => {
    const s: Partial<Stack> = {};
    const throws: DispatchRoutine = () => {
      throw new TypeError('Cannot read properties of undefined');
    };
    const { result } = boot({
      verifier: 'enhanced',
      drivers: threeDeep({ a: filter('plain', () => s.belowA!, [], 'A'), b: filter('plain', () => s.belowB!, [], 'B'), c: throws }, s),
      threads: [oneIoctl(IOCTL)],
    });
    expect(result.bugcheck).toMatchObject({ code: 0x3b, name: 'SYSTEM_SERVICE_EXCEPTION', driver: 'C' });
  });

  it('a fault below plain filters unwinds through their tail calls as through generator twins: the same bug check, report and trace', () => {
    // Where it fails: the bottom driver at once, the bottom driver after a scheduling point,
    // and filter B's IoCallDriver to a NULL device (the lower level fails as it starts).
    const bottoms: Record<string, DispatchRoutine> = {
      'at once': () => {
        throw new TypeError('Cannot read properties of undefined');
      },
      'after a yield': function* (k) {
        yield* k.KeDelayExecutionThread('KernelMode', false, -10);
        throw new RangeError('index out of range');
      },
    };
    const failing = (style: Style, where: string) => {
      const s: Partial<Stack> = {};
      const b = where === 'NULL device' ? filter(style, () => null as unknown as DeviceRef, [], 'B') : filter(style, () => s.belowB!, [], 'B');
      const c = bottoms[where] ?? bottoms['at once']!;
      return boot({
        verifier: 'enhanced',
        drivers: threeDeep({ a: filter(style, () => s.belowA!, [], 'A'), b, c }, s),
        threads: [oneIoctl(IOCTL)],
      });
    };
    const drivers: Record<string, string> = { 'at once': 'C', 'after a yield': 'C', 'NULL device': 'B' };
    for (const where of Object.keys(drivers)) {
      const plain = failing('plain', where);
      const generator = failing('generator', where);
      expect(plain.result.outcome, where).toBe('bugcheck');
      expect(plain.result.bugcheck, where).toMatchObject({ driver: drivers[where] });
      expect(plain.result.bugcheck, where).toEqual(generator.result.bugcheck);
      expect(plain.result.stats, where).toEqual(generator.result.stats);
      expect(JSON.stringify(plain.machine.trace.events), where).toBe(JSON.stringify(generator.machine.trace.events));
    }
  });

  it('an exception caught above a plain filter leaves it no longer running: the catcher is the running driver, and its own fault names it', () => {
    // A (a generator) catches what came up through B's tail call, then faults itself: the
    // report must name A, so B's dispatch routine must have been left as the exception passed.
    const s: Partial<Stack> = {};
    const caught: { running: string | undefined } = { running: undefined };
    const a = catchingFilter(() => s.belowA!, caught);
    const c: DispatchRoutine = function* (k) {
      yield* k.KeDelayExecutionThread('KernelMode', false, -10);
      throw new RangeError('C faults');
    };
    const { result } = boot({
      verifier: 'off',
      drivers: threeDeep({ a, b: filter('plain', () => s.belowB!, [], 'B'), c }, s),
      threads: [oneIoctl(IOCTL)],
    });
    expect(caught.running).toBe('A');
    expect(result.bugcheck).toMatchObject({ code: 0x3b, driver: 'A' });
    expect(result.bugcheck!.message).toMatch(/A faults after catching/);
  });

  it('a plain routine that forgets its return is a bug check naming the routine, not a JavaScript error', () => {
    const s: Partial<Stack> = {};
    const forgets = ((k: Parameters<DispatchRoutine>[0], _device: DeviceRef, irp: IrpRef) => {
      k.IoMarkIrpPending(irp);
    }) as unknown as DispatchRoutine;
    const { result } = boot({
      verifier: 'off',
      drivers: threeDeep({ a: filter('plain', () => s.belowA!, [], 'A'), b: filter('plain', () => s.belowB!, [], 'B'), c: forgets }, s),
      threads: [oneIoctl(IOCTL)],
    });
    expect(result.bugcheck).toMatchObject({ code: 0x3b, name: 'SYSTEM_SERVICE_EXCEPTION', driver: 'C' });
    expect(result.bugcheck!.message).toMatch(/the dispatch routine of C for IRP_MJ_DEVICE_CONTROL returned undefined: a routine returns its NTSTATUS/);
  });

  it('a plain completion routine that forgets its return is a bug check naming its driver', () => {
    const s: Partial<Stack> = {};
    const forgets = (() => undefined) as unknown as CompletionRoutine;
    const b: DispatchRoutine = (k, _device, irp) => {
      k.IoCopyCurrentIrpStackLocationToNext(irp);
      k.IoSetCompletionRoutine(irp, forgets, null, true, true, true);
      return k.IoCallDriver(s.belowB!, irp);
    };
    const c: DispatchRoutine = function* (k, _device, irp) {
      return yield* complete(k, irp, STATUS.SUCCESS);
    };
    const { result } = boot({
      verifier: 'off',
      drivers: threeDeep({ a: filter('plain', () => s.belowA!, [], 'A'), b, c }, s),
      threads: [oneIoctl(IOCTL)],
    });
    expect(result.bugcheck).toMatchObject({ code: 0x3b, driver: 'B' });
    expect(result.bugcheck!.message).toMatch(/the completion routine of B returned undefined/);
  });

  it('a plain completion routine that returns STATUS_MORE_PROCESSING_REQUIRED stops the walk (IO-5.12)', () => {
    const s: Partial<Stack> = {};
    let walkStopped = false;
    const keep: CompletionRoutine = () => {
      walkStopped = true;
      return STATUS.MORE_PROCESSING_REQUIRED;
    };
    const b: DispatchRoutine = (k, _device, irp) => {
      k.IoCopyCurrentIrpStackLocationToNext(irp);
      k.IoSetCompletionRoutine(irp, keep, null, true, true, true);
      return k.IoCallDriver(s.belowB!, irp);
    };
    const c: DispatchRoutine = function* (k, _device, irp) {
      return yield* complete(k, irp, STATUS.SUCCESS);
    };
    const { result, machine } = boot({
      verifier: 'off',
      drivers: threeDeep({ a: filter('plain', () => s.belowA!, [], 'A'), b, c }, s),
      threads: [
        {
          name: 'app',
          *body(u: Win32) {
            const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
            yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, 0, u.scratch(20));
          },
        },
      ],
    });
    expect(walkStopped).toBe(true);
    // B owns the IRP again and never completes it: it stays held, and nothing above B ran.
    const routines = machine.trace.events.filter((e) => e.type === 'io.irp.routine');
    expect(routines).toHaveLength(1);
    expect(result.outcome).toBe('completed');
  });
});
