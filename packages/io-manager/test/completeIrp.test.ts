import { STATUS, seededRandom, type NtStatus } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, FILE_FLAG_OVERLAPPED, METHOD, completeIrp, type CompletionRoutine, type DispatchRoutine, type Kernel, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { catchingFilter, oneIoctl, threeDeep, type Stack } from './__helpers__/irpDrivers.ts';

const IOCTL = CTL_CODE(0x22, 0x811, METHOD.BUFFERED, 0);

/** How the bottom driver ends: completeIrp from a plain function, from a generator, or the four lines of C written out. */
type Form = 'plain' | 'generator' | 'written-out';

function bottom(form: Form, status: NtStatus, information: number): DispatchRoutine {
  if (form === 'plain') return (k, _device, irp) => completeIrp(k, irp, status, information);
  if (form === 'generator') {
    return function* (k, _device, irp) {
      return yield* completeIrp(k, irp, status, information);
    };
  }
  return function* (k, _device, irp) {
    irp.ioStatus.status = status;
    irp.ioStatus.information = information;
    yield* k.IoCompleteRequest(irp, 0);
    return status;
  };
}

/** Filters A and B above the bottom driver C, each with a completion routine (`routine`, or one that propagates pending). */
function run(c: DispatchRoutine, routine?: CompletionRoutine, seed?: number) {
  const s: Partial<Stack> = {};
  const propagate: CompletionRoutine = (k, _device, irp) => {
    if (irp.pendingReturned) k.IoMarkIrpPending(irp);
    return STATUS.SUCCESS;
  };
  const filter = (lower: () => Stack['belowA']): DispatchRoutine => (k, _device, irp) => {
    k.IoCopyCurrentIrpStackLocationToNext(irp);
    k.IoSetCompletionRoutine(irp, routine ?? propagate, null, true, true, true);
    return k.IoCallDriver(lower(), irp);
  };
  const seen: string[] = [];
  const app = (name: string) => ({
    name,
    *body(u: Win32) {
      const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
      const count = u.scratch(4);
      const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, count);
      seen.push(`${name}: ${ok} ${u.readU32(count)} error ${u.GetLastError()}`);
      const o = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
      const overlapped = u.scratch(20);
      seen.push(`${name} overlapped: ${yield* u.DeviceIoControl(o, IOCTL, 0, 0, u.scratch(8), 8, 0, overlapped)} ${u.readU32(overlapped)}`);
    },
  });
  const { result, machine } = boot({
    verifier: 'enhanced',
    ...(seed === undefined ? {} : { strategy: seededRandom(seed) }),
    drivers: threeDeep({ a: filter(() => s.belowA!), b: filter(() => s.belowB!), c }, s),
    threads: [app('one'), app('two')],
  });
  return { result, seen, events: machine.trace.events };
}

describe('completeIrp: the usual end of a dispatch routine that completes its IRP (completeIrp.ts)', () => {
  it.each([undefined, 3, 11])('IO-5.10, IO-5.14 the plain and generator forms run as the four lines written out: the same trace, steps and choices (seed %s)', (seed) => {
    const written = run(bottom('written-out', STATUS.SUCCESS, 3), undefined, seed);
    expect(written.result.outcome).toBe('completed');
    expect(written.result.violations).toEqual([]);
    expect(written.seen).toContain('one: true 3 error 0');
    for (const form of ['plain', 'generator'] as const) {
      const other = run(bottom(form, STATUS.SUCCESS, 3), undefined, seed);
      expect(other.seen).toEqual(written.seen);
      expect(other.result.stats).toEqual(written.result.stats);
      expect(other.result.choices).toEqual(written.result.choices);
      expect(JSON.stringify(other.events)).toBe(JSON.stringify(written.events));
    }
  });

  // The plain form's walk runs as part of the IoCallDriver level that called C (callDriver.ts), not as a frame of its own:
  // a completion routine that faults, waits in a generator or stops the walk must look the same from outside.
  const routines: Record<string, CompletionRoutine> = {
    'faults (the report names its driver)': () => {
      throw new TypeError('a completion routine dereferenced a bad pointer');
    },
    'is a generator (an engine call inside the walk)': function* (k, _device, irp) {
      if (irp.pendingReturned) k.IoMarkIrpPending(irp);
      yield* k.KeDelayExecutionThread('KernelMode', false, -10);
      return STATUS.SUCCESS;
    },
    'stops the walk (IO-5.12) and keeps the IRP': () => STATUS.MORE_PROCESSING_REQUIRED,
  };
  it.each(Object.keys(routines))('the plain and generator forms run as the four lines written out when the completion routine above %s', (name) => {
    const routine = routines[name]!;
    const written = run(bottom('written-out', STATUS.SUCCESS, 3), routine);
    for (const form of ['plain', 'generator'] as const) {
      const other = run(bottom(form, STATUS.SUCCESS, 3), routine);
      expect(other.seen).toEqual(written.seen);
      expect(JSON.stringify(other.result)).toBe(JSON.stringify(written.result));
      expect(JSON.stringify(other.events)).toBe(JSON.stringify(written.events));
    }
  });

  it('an exception from a completion routine run by the plain form\'s walk leaves C and B no longer running: the catcher above is the running driver', () => {
    const s: Partial<Stack> = {};
    const caught: { running: string | undefined } = { running: undefined };
    const a = catchingFilter(() => s.belowA!, caught);
    const b: DispatchRoutine = (k, _device, irp) => {
      k.IoCopyCurrentIrpStackLocationToNext(irp);
      k.IoSetCompletionRoutine(irp, () => { throw new RangeError('B\'s completion routine faults'); }, null, true, true, true);
      return k.IoCallDriver(s.belowB!, irp);
    };
    const { result } = boot({
      verifier: 'off',
      drivers: threeDeep({ a, b, c: bottom('plain', STATUS.SUCCESS, 0) }, s),
      threads: [oneIoctl(IOCTL)],
    });
    expect(caught.running).toBe('A');
    expect(result.bugcheck).toMatchObject({ code: 0x3b, driver: 'A' });
  });

  it('IO-5.14 c returns the status it was given, not the one a completion routine above left in the IRP', () => {
    // B's completion routine rewrites IoStatus.Status on the way up: C's dispatch routine still returns what it completed with.
    const rewrite: CompletionRoutine = (_k, _device, irp) => {
      irp.ioStatus.status = STATUS.SUCCESS;
      return STATUS.SUCCESS;
    };
    const { result, events } = run(bottom('plain', STATUS.BUFFER_OVERFLOW, 0), rewrite);
    expect(result.violations).toEqual([]);
    const returns = events.filter((e) => e.type === 'io.irp.return' && e.driver === 'C');
    expect(returns.length).toBe(4);
    for (const e of returns) expect(e).toMatchObject({ status: STATUS.BUFFER_OVERFLOW });
  });

  it('an error status: the routine completes with it and returns it (IO-7.2: FALSE and the mapped error)', () => {
    const { result, seen } = run(bottom('plain', STATUS.INVALID_DEVICE_REQUEST, 0));
    expect(result.violations).toEqual([]);
    expect(seen).toContain('one: false 0 error 1'); // ERROR_INVALID_FUNCTION
  });

  it('goes through the kernel the driver was given: an IoCompleteRequest replaced for a buggy twin still runs, and the status comes back', () => {
    let replaced = 0;
    const c: DispatchRoutine = (k, _device, irp) => {
      const wrapped = Object.create(k) as Kernel;
      wrapped.IoCompleteRequest = function* (request, boost) {
        replaced++;
        yield* k.IoCompleteRequest(request, boost);
      };
      return completeIrp(wrapped, irp, STATUS.SUCCESS, 2);
    };
    const { result, seen } = run(c);
    expect(result.violations).toEqual([]);
    expect(replaced).toBe(4);
    expect(seen).toContain('one: true 2 error 0');
  });

  it('completing twice through completeIrp is the same bug check as through IoCompleteRequest (0x44, IO-5.16)', () => {
    const twice: DispatchRoutine = function* (k, _device, irp) {
      yield* completeIrp(k, irp, STATUS.SUCCESS);
      return yield* completeIrp(k, irp, STATUS.SUCCESS);
    };
    const { result } = run(twice);
    expect(result.bugcheck).toMatchObject({ code: 0x44, name: 'MULTIPLE_IRP_COMPLETE_REQUESTS', driver: 'C' });
  });
});
