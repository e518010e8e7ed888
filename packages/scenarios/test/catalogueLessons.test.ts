import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATUS } from '@irpsim/core';
import { catalogue, type DriverDefinition } from '@irpsim/driver-model';
import { IO_NO_INCREMENT, IRP_MJ, type DispatchRoutine, type Kernel } from '@irpsim/io-manager';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../src/index.ts';

/**
 * The lessons of the catalogue's correct drivers (issue [driver-model]): each passes with
 * its pinned seed, and each fails — at the expectations about its mechanism — when one
 * action is taken out of its driver. The variants are built here from the catalogue
 * drivers, without copying them: one DDI of the driver's Kernel replaced, or one dispatch
 * routine swapped, and the lesson run with the variant under the same catalogue name.
 */

const DIR = join(import.meta.dirname, '..', 'lessons');

/** The lesson, run with its pinned seed, `drivers` replacing catalogue entries of the same name. */
function runLesson(name: string, ...drivers: DriverDefinition[]) {
  const file = `${name}.yaml`;
  const variants = new Map(catalogue);
  for (const d of drivers) variants.set(d.name, d);
  const loaded = loadScenario(readFileSync(join(DIR, file), 'utf8'), { file, catalogue: variants });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const { result } = runScenario(loaded.scenario, { record: false });
  const failed = result.expectations.filter((e) => !e.passed).map((e) => `${e.description}: expected ${e.expected}, got ${e.actual}`);
  return { result, failed: failed.join('\n') };
}

const driver = (name: string): DriverDefinition => catalogue.get(name)!;

type KernelPatch = Readonly<Partial<Record<keyof Kernel, unknown>>>;

/**
 * The driver's Kernel with some DDIs replaced: what the driver calls, at every call site.
 * Completion routines get the Kernel from the I/O manager, so the routines the driver sets
 * are wrapped to see the patched one too.
 */
function patchKernel(k: Kernel, patch: KernelPatch): Kernel {
  const setCompletionRoutine: Kernel['IoSetCompletionRoutine'] = (irp, routine, context, onSuccess, onError, onCancel) =>
    k.IoSetCompletionRoutine(irp, (kk, device, i, c) => routine(patchKernel(kk, patch), device, i, c), context, onSuccess, onError, onCancel);
  return new Proxy(k, {
    get(target, key) {
      if (Object.hasOwn(patch, key)) return patch[key as keyof Kernel];
      if (key === 'IoSetCompletionRoutine') return setCompletionRoutine;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** `def` whose DriverEntry, dispatch routines and everything they set up see a patched Kernel. */
function withKernel(def: DriverDefinition, patch: KernelPatch): DriverDefinition {
  return {
    ...def,
    *DriverEntry(k, drv, registryPath) {
      const status = yield* def.DriverEntry(patchKernel(k, patch), drv, registryPath);
      drv.MajorFunction.forEach((routine, major) => {
        if (routine !== null) drv.MajorFunction[major] = (kk, device, irp) => routine(patchKernel(kk, patch), device, irp);
      });
      return status;
    },
  };
}

/** `def` with one dispatch routine replaced. */
function withDispatch(def: DriverDefinition, major: number, routine: DispatchRoutine): DriverDefinition {
  return {
    ...def,
    *DriverEntry(k, drv, registryPath) {
      const status = yield* def.DriverEntry(k, drv, registryPath);
      drv.MajorFunction[major] = routine;
      return status;
    },
  };
}

/** A CLEANUP that forgets the requests still queued for the closing file object. */
const cleanupOnly: DispatchRoutine = function* (k, _device, irp) {
  irp.ioStatus.status = STATUS.SUCCESS;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return STATUS.SUCCESS;
};

describe('the lessons of the catalogue drivers', () => {
  for (const lesson of ['interrupt-dpc', 'inverted-call', 'event-signal', 'cancel-safe-queue', 'startio-serial', 'filter-stack']) {
    it(`${lesson} passes with its pinned seed`, () => {
      const { result, failed } = runLesson(lesson);
      expect(failed).toBe('');
      expect(result.passed).toBe(true);
    });
  }
});

describe('each lesson fails when its driver loses one action', () => {
  it('interrupt-dpc: C30 an ISR that never queues its DPC - no sample delivered, the app waits forever', () => {
    const { result, failed } = runLesson('interrupt-dpc', withKernel(driver('sampler'), { KeInsertQueueDpc: () => true }));
    expect(result.passed).toBe(false);
    expect(result.outcome).toBe('deadlock');
    expect(failed).toContain('app/main did not finish #6 wait ready');
  });

  it('inverted-call: IO-9.5 a CLEANUP that forgets the pended WAITs - the last one is still pending after CloseHandle', () => {
    const { result, failed } = runLesson('inverted-call', withDispatch(driver('notify'), IRP_MJ.CLEANUP, cleanupOnly));
    expect(result.passed).toBe(false);
    expect(failed).toContain('listener/main #25 inspect w4: OVERLAPPED.Internal: expected STATUS_CANCELLED (0xC0000120), got STATUS_PENDING (0x00000103)');
  });

  it('inverted-call: B13 WAITs pended without the cancel-safe queue never reach a RAISE', () => {
    // IoCsqInsertIrp taken out: the dispatch routine still returns STATUS_PENDING, but nothing holds the IRP.
    const { result, failed } = runLesson('inverted-call', withKernel(driver('notify'), { IoCsqInsertIrp: function* () { return STATUS.SUCCESS; } }));
    expect(result.passed).toBe(false);
    expect(failed).toContain('sensor/main #4 ioctl IOCTL_NOTIFY_RAISE: NTSTATUS: expected STATUS_SUCCESS (0x00000000), got STATUS_NOT_FOUND (0xC0000225)');
    expect(result.violations.map((v) => v.check)).toContain('0xC9/0x23D');
  });

  it('event-signal: IO-10.2 referencing the handle with KernelMode instead of the requestor mode is caught', () => {
    const def = driver('event-signal');
    const kernelMode = function (this: Kernel, handle: number, access: number, type: Parameters<Kernel['ObReferenceObjectByHandle']>[2]) {
      return this.ObReferenceObjectByHandle(handle, access, type, 'KernelMode');
    };
    const variant: DriverDefinition = {
      ...def,
      *DriverEntry(k, drv, registryPath) {
        const status = yield* def.DriverEntry(k, drv, registryPath);
        const control = drv.MajorFunction[IRP_MJ.DEVICE_CONTROL]!;
        drv.MajorFunction[IRP_MJ.DEVICE_CONTROL] = (kk, device, irp) => control(patchKernel(kk, { ObReferenceObjectByHandle: kernelMode.bind(kk) }), device, irp);
        return status;
      },
    };
    const { result } = runLesson('event-signal', variant);
    expect(result.passed).toBe(false);
    // Driver Verifier: a user-mode handle referenced with KernelMode skips the access check (0xC4/0xF6).
    expect(result.bugcheck?.code).toBe(0xc4);
    expect(result.bugcheck?.params[0]).toBe(0xf6);
  });

  it('event-signal: C12 a DPC that never calls KeSetEvent - the app waits forever', () => {
    const { result, failed } = runLesson('event-signal', withKernel(driver('event-signal'), { KeSetEvent: () => 0 }));
    expect(result.outcome).toBe('deadlock');
    expect(failed).toContain('app/main did not finish #6 wait tick');
  });

  it('cancel-safe-queue: IO-9.5 a CLEANUP that leaves the queued read - the polling thread serves it after the close', () => {
    const { result, failed } = runLesson('cancel-safe-queue', withDispatch(driver('poller'), IRP_MJ.CLEANUP, cleanupOnly));
    expect(result.passed).toBe(false);
    expect(failed).toContain('app/main #22 inspect r4: OVERLAPPED.Internal: expected STATUS_CANCELLED (0xC0000120), got STATUS_PENDING (0x00000103)');
  });

  it('startio-serial: C33 without the device queue every write goes straight to the busy UART', () => {
    // KeInsertDeviceQueue "finds the device idle" every time: IoStartPacket calls StartIo for each write.
    const { result, failed } = runLesson('startio-serial', withKernel(driver('serial'), { KeInsertDeviceQueue: () => false }));
    expect(result.outcome).toBe('deadlock');
    // The first write's IRP was CurrentIrp until the second overwrote it: no DPC ever completes it.
    expect(failed).toContain('app/main did not finish #9 wait e1');
    expect(result.violations.map((v) => v.check)).toContain('liveness-irp-pending');
  });

  it('filter-stack: IO-5.13 a completion routine that does not propagate the pending bit', () => {
    const { result, failed } = runLesson('filter-stack', withKernel(driver('watch-filter'), { IoMarkIrpPending: () => undefined }));
    expect(result.passed).toBe(false);
    // The verifier names the routine (0xC9/0x228), and the overlapped caller is never told the request ended.
    expect(result.violations.map((v) => v.check)).toContain('0xC9/0x228');
    expect(failed).toContain('app/main did not finish #6 wait done');
  });
});

describe('write-handle: passing a handle by IOCTL (IO-10.2)', () => {
  const scenario = (action: string) => `name: wh
description: write-handle
drivers: [{ use: event-signal }]
processes:
  - name: app
    buffers: { args: { size: 4 } }
    threads:
      - name: main
        actions:
          - { create-event: ~, as: ev }
          - ${action}
`;
  const errors = (action: string) => {
    const loaded = loadScenario(scenario(action), { file: 'wh.yaml' });
    return loaded.ok ? [] : loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`);
  };

  it('names a handle and a buffer of the process, with room for 4 bytes', () => {
    expect(errors('{ write-handle: args, handle: ev }')).toEqual([]);
    expect(errors('{ write-handle: args, handle: evt }')).toEqual([expect.stringMatching(/^11:\d+: no handle named 'evt' in this process/)]);
    expect(errors('{ write-handle: arg, handle: ev }')).toEqual([expect.stringMatching(/^11:\d+: no buffer named 'arg' in this process/)]);
    expect(errors('{ write-handle: args, handle: ev, offset: 2 }')).toEqual([expect.stringMatching(/^11:\d+: a handle is 4 bytes: offset 2 leaves no room for it in 'args' \(4 bytes\)/)]);
    expect(errors('{ write-handle: args }')).toEqual([expect.stringMatching(/^11:\d+: write-handle needs `handle:`/)]);
  });

  it('stores the handle value, little-endian, where the driver reads it', () => {
    const loaded = loadScenario(
      scenario(`{ write-handle: args, handle: ev }
          - { open: '\\\\.\\EventSignal', as: dev }
          - { ioctl: IOCTL_EVENT_REGISTER, handle: dev, input: { buffer: args }, expect: { returns: true } }
          - { read-memory: args, expect: { bytes: { hex: '04 00 00 00' } } }
          - { wait: ev, expect: { returns: WAIT_OBJECT_0 } }`),
      { file: 'wh.yaml' },
    );
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    const { result } = runScenario(loaded.scenario, { record: false });
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    expect(result.passed).toBe(true);
  });
});
