import { STATUS, ntError, ntSuccess, type NtStatus } from '@irpsim/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  CTL_CODE,
  IRP_MJ,
  METHOD,
  ntStatusToWin32,
  type CompletionRoutine,
  type DeviceRef,
  type DispatchRoutine,
  type DriverEntry,
  type IrpRef,
  type Kernel,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver } from './__helpers__/irpDrivers.ts';

/** How one request is answered by the bottom driver. */
interface Request {
  readonly method: number;
  readonly inLength: number;
  readonly outLength: number;
  readonly status: NtStatus;
  /** Information as a share of the output length (BUFFERED never overstates it: a correct driver). */
  readonly infoShare: number;
  /** Complete 1–3 ms later from a timer DPC instead of in the dispatch routine. */
  readonly pendMs: number;
}

const STATUSES: NtStatus[] = [STATUS.SUCCESS, 0x40000001, STATUS.BUFFER_OVERFLOW, STATUS.INVALID_PARAMETER, STATUS.DEVICE_NOT_READY];

const request: fc.Arbitrary<Request> = fc.record({
  method: fc.integer({ min: 0, max: 3 }),
  inLength: fc.integer({ min: 0, max: 12 }),
  outLength: fc.integer({ min: 0, max: 12 }),
  status: fc.constantFrom(...STATUSES),
  infoShare: fc.double({ min: 0, max: 1, noNaN: true }),
  pendMs: fc.integer({ min: 0, max: 3 }),
});

/** Filters above the bottom driver, top first: pass down with a skip, or copy and watch with a completion routine. */
const filters = fc.array(fc.constantFrom<'skip' | 'routine'>('skip', 'routine'), { maxLength: 2 });

const PATTERN = 0x5a;
const information = (r: Request) => Math.floor(r.infoShare * r.outLength);

/** A correct bottom driver: writes its output (system buffer, MDL or raw pointer), then completes with the request's answer. */
function bottom(requests: readonly Request[]): DispatchRoutine {
  let n = 0;
  return function* (k, _device, irp) {
    const r = requests[n++]!;
    writeOutput(k, irp, r);
    if (r.pendMs === 0) return yield* complete(k, irp, r.status, information(r));
    k.IoMarkIrpPending(irp);
    k.KeSetTimer(k.KeInitializeTimerEx('later'), (-r.pendMs * 1_000_000) / 100, k.KeInitializeDpc('CompleteLater', function* () {
      yield* complete(k, irp, r.status, information(r));
    }));
    return STATUS.PENDING;
  };
}

function writeOutput(k: Kernel, irp: IrpRef, r: Request): void {
  if (r.outLength === 0) return;
  const bytes = new Uint8Array(r.outLength).fill(PATTERN);
  if (r.method === METHOD.BUFFERED) k.writeMemory(irp.systemBuffer, bytes);
  else if (r.method === METHOD.OUT_DIRECT) k.writeMemory(k.MmGetSystemAddressForMdlSafe(irp.mdlAddress as Parameters<Kernel['MmGetSystemAddressForMdlSafe']>[0]), bytes);
  else if (r.method === METHOD.NEITHER) {
    // A correct driver probes a METHOD_NEITHER pointer before using it (IO-3.8).
    k.ProbeForWrite(irp.userBuffer, r.outLength, 1);
    k.writeMemory(irp.userBuffer, bytes);
  }
}

/** A filter's completion routine: propagates pending as IO-5.13 requires and counts its calls. */
const watching = (calls: number[], index: number): CompletionRoutine =>
  function* (k, _device, irp) {
    calls[index] = (calls[index] ?? 0) + 1;
    if (irp.pendingReturned) k.IoMarkIrpPending(irp);
    return STATUS.SUCCESS;
  };

/** Bottom (named \Device\Prop) with the filters attached in order, the last on top. */
function stack(kinds: readonly ('skip' | 'routine')[], requests: readonly Request[], calls: number[]): Record<string, DriverEntry> {
  const devices: DeviceRef[] = [];
  const drivers: Record<string, DriverEntry> = {
    Bottom: deviceDriver({ name: 'Prop', majors: { [IRP_MJ.DEVICE_CONTROL]: bottom(requests) }, onDevice: (d) => devices.push(d) }),
  };
  kinds.forEach((kind, i) => {
    const lower: DeviceRef[] = [];
    const pass: DispatchRoutine = function* (k, _device, irp) {
      if (kind === 'skip') k.IoSkipCurrentIrpStackLocation(irp);
      else {
        k.IoCopyCurrentIrpStackLocationToNext(irp);
        k.IoSetCompletionRoutine(irp, watching(calls, i), null, true, true, true);
      }
      return yield* k.IoCallDriver(lower[0]!, irp);
    };
    drivers[`Filter${i}`] = deviceDriver({
      name: null,
      attachTo: () => devices[0]!,
      majors: { [IRP_MJ.DEVICE_CONTROL]: pass, [IRP_MJ.CREATE]: pass, [IRP_MJ.CLEANUP]: pass, [IRP_MJ.CLOSE]: pass },
      onDevice: (_d, below) => lower.push(below!),
    });
  });
  return drivers;
}

const IN = 0x40;
const OUT = 0x100;
const COUNT = 0x200;
const REGION = 0x240;
const BEFORE = 0xaa;

describe('IOCTLs through random correct stacks (property)', () => {
  it('IO-3.2, IO-3.5, IO-3.6, IO-5.10, IO-5.13 every IOCTL completes once, the caller sees the status as Windows maps it, and no byte outside the buffers changes', () => {
    fc.assert(
      fc.property(filters, fc.array(request, { minLength: 1, maxLength: 4 }), (kinds, requests) => {
        const calls: number[] = [];
        const seen: { ok: boolean; error: number; region: number[] }[] = [];
        const { result, events } = boot({
          drivers: stack(kinds, requests, calls),
          threads: [
            {
              name: 'app',
              *body(u) {
                const h = yield* u.CreateFile('\\\\.\\Prop', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
                const base = u.scratch(REGION);
                for (const r of requests) {
                  u.write(base, new Uint8Array(REGION).fill(BEFORE));
                  u.write(base + IN, Uint8Array.from({ length: r.inLength }, (_, i) => i + 1));
                  u.SetLastError(0);
                  const code = CTL_CODE(0x22, 0x800, r.method, 0);
                  const ok = yield* u.DeviceIoControl(h, code, r.inLength > 0 ? base + IN : 0, r.inLength, base + OUT, r.outLength, base + COUNT);
                  seen.push({ ok, error: u.GetLastError(), region: [...u.read(base, REGION)] });
                }
                yield* u.CloseHandle(h);
              },
            },
          ],
        });
        expect(result.outcome).toBe('completed');
        expect(result.violations).toEqual([]);
        requests.forEach((r, n) => {
          const s = seen[n]!;
          const info = information(r);
          // The Win32 result (IO-7.2, §11): a synchronous handle returns the final status.
          expect(s.ok).toBe(ntSuccess(r.status));
          expect(s.error).toBe(ntSuccess(r.status) ? 0 : ntStatusToWin32(r.status));
          const expected = new Array(REGION).fill(BEFORE);
          for (let i = 0; i < r.inLength; i++) expected[IN + i] = i + 1;
          if (!ntError(r.status)) [info & 0xff, (info >>> 8) & 0xff, 0, 0].forEach((b, i) => (expected[COUNT + i] = b));
          // BUFFERED: exactly Information bytes back, none on an error (IO-3.2); direct and
          // NEITHER: what the driver wrote is there whatever the status (IO-3.5, IO-3.6).
          const written = r.method === METHOD.BUFFERED ? (ntError(r.status) ? 0 : info) : r.method === METHOD.IN_DIRECT ? 0 : r.outLength;
          for (let i = 0; i < written; i++) expected[OUT + i] = PATTERN;
          expect(s.region).toEqual(expected);
        });
        // Every IRP was completed once and finished once; every routine ran once per IOCTL.
        const completions = new Map<number, number>();
        for (const e of events) if (e.type === 'io.irp.complete') completions.set(e.irp, (completions.get(e.irp) ?? 0) + 1);
        expect([...completions.values()].every((c) => c === 1)).toBe(true);
        const finished = events.filter((e) => e.type === 'io.irp.finish').map((e) => (e.type === 'io.irp.finish' ? e.irp : -1));
        expect(new Set(finished).size).toBe(finished.length);
        expect(finished.length).toBe(completions.size);
        kinds.forEach((kind, i) => expect(calls[i] ?? 0).toBe(kind === 'routine' ? requests.length + 3 : 0));
      }),
      { numRuns: 60 },
    );
  });
});
