import { KEvent, STATUS, waitForObjects, type NtStatus } from '@irpsim/core';
import type { DeviceObject } from '@irpsim/io-manager';
import type { Path } from '../format/SourceMap.ts';
import type { ActionData, ActionDef, CompileEnv, ThreadRuntime } from './ActionEnv.ts';
import { planBuffer } from './buffers.ts';
import { checkDriverSaw, compileDriverSaw, driverSawSchema, watchDriver } from './driverSaw.ts';
import { showHex, showStatus } from './format.ts';
import { compileIosbExpect, iosbExpectSchema } from './iosbExpectation.ts';
import { checkKernelOutput, checkKernelStatus, checkPoolIosb, compileKernelStatus, freeKernelBuffers, kernelRead, poolIosb, resolveKernelBuffer } from './kernelBuffers.ts';
import { compileOutputExpect } from './ioctl.ts';
import { bufferSchema, expectBytesSchema, valueSchema } from './schemaParts.ts';

/**
 * `kernel-ioctl` (IO-3.10): what kernel code does to send an IOCTL to a device it knows by
 * name — IoBuildDeviceIoControlRequest with pool buffers, an event and an IO_STATUS_BLOCK,
 * then IoCallDriver, then KeWaitForSingleObject on the event when the driver pended. The
 * I/O manager completes and frees the IRP itself (the caller never calls IoFreeIrp). Runs
 * only in a `kernel: true` thread of the `System` process (the loader checks it).
 */

function compileKernelIoctl(action: ActionData, path: Path, env: CompileEnv, what: string) {
  const code = env.value(action['kernel-ioctl'] as number | string, [...path, 'kernel-ioctl']);
  const deviceName = (action['device'] as string | undefined) ?? '';
  if (action['device'] === undefined) env.error(path, 'a kernel-ioctl needs `device:` (a device name such as \\Device\\Hello)', null);
  const internal = action['internal'] === true;
  const input = planBuffer(action['input'], [...path, 'input'], env);
  const output = planBuffer(action['output'], [...path, 'output'], env);
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  const status = compileKernelStatus(action, path, env);
  const iosbExpect = compileIosbExpect(e['iosb'], [...path, 'expect', 'iosb'], env);
  const outputExpect = compileOutputExpect(e['output'], [...path, 'expect', 'output'], env);
  const driverSaw = compileDriverSaw(e['driverSaw'], [...path, 'expect', 'driverSaw'], env);
  return function* (t: ThreadRuntime) {
    const io = t.u._io;
    const machine = io.machine;
    // Fresh buffers of kernel code are nonpaged pool (IO-3.10: system-space buffers).
    const inBuf = resolveKernelBuffer(t, input);
    const outBuf = resolveKernelBuffer(t, output);
    const iosb = poolIosb(t);
    const before = outputExpect?.kind === 'unchanged' ? kernelRead(t, outBuf.address, outBuf.length) : null;
    const found = machine.objects.lookup(deviceName);
    if (found.object === null || found.object.type !== io.DeviceType || found.remaining !== '') {
      const failed = found.object === null ? found.status : STATUS.OBJECT_TYPE_MISMATCH;
      t.note(`${deviceName}: no such device (${showStatus(failed)})`);
      checkKernelStatus(t, what, status, failed);
      freeKernelBuffers(t, [inBuf, outBuf], iosb);
      return;
    }
    // As IoGetDeviceObjectPointer would: the top of the device's stack.
    const device = (found.object.body as DeviceObject).top();
    const event = new KEvent('notification', false);
    const watch = driverSaw === null ? null : watchDriver(t);
    let returned: NtStatus;
    try {
      const irp = io.buildDeviceIoControlRequest(device, {
        ioControlCode: code,
        inputBuffer: inBuf.address,
        inputLength: inBuf.length,
        outputBuffer: outBuf.address,
        outputLength: outBuf.length,
        internal,
        event,
        iosb,
      });
      if (irp === null) returned = STATUS.INSUFFICIENT_RESOURCES;
      else {
        t.note(`IoBuildDeviceIoControlRequest(${showHex(code)}${internal ? ', internal' : ''}) → IoCallDriver(${deviceName})`);
        returned = yield* io.callDriver(device, irp, null);
        if (returned === STATUS.PENDING) {
          // IO-3.10: the creator waits on its event; the I/O manager fills the IOSB first.
          yield* waitForObjects(machine.engine, machine.currentThreadOrNull(), [event], { waitAll: false, mode: 'kernel', alertable: false, timeoutNs: null });
          returned = machine.memory.readU32(machine.system.space, iosb, 'kernel');
        }
      }
    } finally {
      watch?.stop();
    }
    if (watch !== null) checkDriverSaw(t, what, driverSaw, watch.stop(), { input: inBuf.address, output: outBuf.address });
    checkKernelStatus(t, what, status, returned);
    checkPoolIosb(t, what, iosbExpect, iosb);
    checkKernelOutput(t, what, outputExpect, outBuf, before);
    freeKernelBuffers(t, [inBuf, outBuf], iosb);
  };
}

export const KERNEL_ACTIONS: Readonly<Record<string, ActionDef>> = {
  'kernel-ioctl': {
    description:
      'IoBuildDeviceIoControlRequest + IoCallDriver from a kernel: true thread (IO-3.10): pool buffers, RequestorMode = KernelMode, no access check; waits on the event when the driver pends.',
    value: valueSchema,
    properties: {
      device: { type: 'string', description: "The device's name in the object namespace (\\Device\\Hello); the IRP goes to the top of its stack" },
      internal: { type: 'boolean', description: 'IRP_MJ_INTERNAL_DEVICE_CONTROL instead of IRP_MJ_DEVICE_CONTROL' },
      input: bufferSchema,
      output: bufferSchema,
    },
    expect: { iosb: iosbExpectSchema, output: expectBytesSchema, driverSaw: driverSawSchema },
    compile: (action, path, env, what) => compileKernelIoctl(action, path, env, what),
  },
};
