import { KEvent, STATUS, waitForObjects, type NtStatus } from '@irpsim/core';
import type { DeviceObject } from '@irpsim/io-manager';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type ActionData, type ActionDef, type CompileEnv, type ThreadRuntime } from './ActionEnv.ts';
import { planBuffer, type BufferPlan } from './buffers.ts';
import { checkDriverSaw, compileDriverSaw, driverSawSchema, watchDriver } from './driverSaw.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showBytes, showHex, showStatus } from './format.ts';
import { compileIosbExpect, iosbExpectSchema, type IosbExpect } from './iosbExpectation.ts';
import { compileOutputExpect } from './ioctl.ts';
import { bufferSchema, expectBytesSchema, valueSchema } from './schemaParts.ts';

/**
 * `kernel-ioctl` (IO-3.10): what kernel code does to send an IOCTL to a device it knows by
 * name — IoBuildDeviceIoControlRequest with pool buffers, an event and an IO_STATUS_BLOCK,
 * then IoCallDriver, then KeWaitForSingleObject on the event when the driver pended. The
 * I/O manager completes and frees the IRP itself (the caller never calls IoFreeIrp). Runs
 * only in a `kernel: true` thread of the `System` process (the loader checks it).
 */

/** The IOSB preset, so that "not written" shows. */
const IOSB_PRESET = 0xcccccccc;

function compileKernelIoctl(action: ActionData, path: Path, env: CompileEnv, what: string) {
  const code = env.value(action['kernel-ioctl'] as number | string, [...path, 'kernel-ioctl']);
  const deviceName = (action['device'] as string | undefined) ?? '';
  if (action['device'] === undefined) env.error(path, 'a kernel-ioctl needs `device:` (a device name such as \\Device\\Hello)', null);
  const internal = action['internal'] === true;
  const freshOnly = (plan: BufferPlan, key: string): BufferPlan => {
    if (plan.kind === 'none' || plan.kind === 'fresh') return plan;
    env.error([...path, key], `a kernel-ioctl's ${key} is a fresh pool buffer: give text, hex or size`, null);
    return { kind: 'none' };
  };
  const input = freshOnly(planBuffer(action['input'], [...path, 'input'], env), 'input');
  const output = freshOnly(planBuffer(action['output'], [...path, 'output'], env), 'output');
  const common = compileCommonExpect(action, path, env);
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  const iosbExpect = compileIosbExpect(e['iosb'], [...path, 'expect', 'iosb'], env);
  const outputExpect = compileOutputExpect(e['output'], [...path, 'expect', 'output'], env);
  const driverSaw = compileDriverSaw(e['driverSaw'], [...path, 'expect', 'driverSaw'], env);
  return function* (t: ThreadRuntime) {
    const io = t.u._io;
    const machine = io.machine;
    const space = machine.system.space;
    // Fresh buffers of kernel code are nonpaged pool (IO-3.10: system-space buffers).
    const pool = (plan: BufferPlan): { address: number; length: number } => {
      if (plan.kind !== 'fresh') return { address: 0, length: 0 };
      const bytes = valueAt(plan.bytes, t);
      const length = plan.length === null ? bytes.length : valueAt(plan.length, t);
      const size = Math.max(bytes.length, length, 1);
      const address = machine.memory.allocatePool(size);
      if (address === null) return { address: 0, length: 0 };
      const content = new Uint8Array(size).fill(plan.fill);
      content.set(bytes);
      machine.memory.write(space, address, content, 'kernel');
      return { address, length };
    };
    const inBuf = pool(input);
    const outBuf = pool(output);
    const iosb = machine.memory.allocatePool(8) ?? 0;
    if (iosb !== 0) machine.memory.write(space, iosb, new Uint8Array(8).fill(0xcc), 'kernel');
    const found = machine.objects.lookup(deviceName);
    if (found.object === null || found.object.type !== io.DeviceType || found.remaining !== '') {
      const status = found.object === null ? found.status : STATUS.OBJECT_TYPE_MISMATCH;
      t.note(`${deviceName}: no such device (${showStatus(status)})`);
      checkCommon(t, what, common, status, showStatus);
      return;
    }
    // As IoGetDeviceObjectPointer would: the top of the device's stack.
    const device = (found.object.body as DeviceObject).top();
    const event = new KEvent('notification', false);
    const watch = driverSaw === null ? null : watchDriver(t);
    let status: NtStatus;
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
      if (irp === null) status = STATUS.INSUFFICIENT_RESOURCES;
      else {
        t.note(`IoBuildDeviceIoControlRequest(${showHex(code)}${internal ? ', internal' : ''}) → IoCallDriver(${deviceName})`);
        status = yield* io.callDriver(device, irp, null);
        if (status === STATUS.PENDING) {
          // IO-3.10: the creator waits on its event; the I/O manager fills the IOSB first.
          yield* waitForObjects(machine.engine, machine.currentThreadOrNull(), [event], { waitAll: false, mode: 'kernel', alertable: false, timeoutNs: null });
          status = machine.memory.readU32(space, iosb, 'kernel');
        }
      }
    } finally {
      watch?.stop();
    }
    if (watch !== null) checkDriverSaw(t, what, driverSaw, watch.stop(), { input: inBuf.address, output: outBuf.address });
    checkCommon(t, what, common, status, showStatus);
    checkPoolIosb(t, what, iosbExpect, iosb === 0 ? null : machine.memory.read(space, iosb, 8, 'kernel'));
    if (outputExpect !== null) {
      const after = outBuf.length === 0 ? new Uint8Array(0) : machine.memory.read(space, outBuf.address, outBuf.length, 'kernel');
      if (outputExpect.kind === 'unchanged') t.check(`${what}: output buffer`, 'unchanged', showBytes(after), false);
      else {
        const expected = valueAt(outputExpect.bytes, t);
        const head = after.subarray(0, expected.length);
        t.check(`${what}: output buffer`, showBytes(expected), showBytes(head), head.length === expected.length && head.every((b, i) => b === expected[i]));
      }
    }
    for (const address of [inBuf.address, outBuf.address, iosb]) if (address !== 0) machine.memory.freePool(address);
  };
}

/** checkIosb for an IO_STATUS_BLOCK in pool (the user-mode reader would refuse it). */
function checkPoolIosb(t: ThreadRuntime, what: string, expect: IosbExpect | null, block: Uint8Array | null): void {
  if (expect === null) return;
  const view = block === null ? null : new DataView(block.buffer, block.byteOffset, 8);
  const actual = view === null ? null : { status: view.getUint32(0, true), information: view.getUint32(4, true) };
  const unchanged = actual === null || (actual.status === IOSB_PRESET && actual.information === IOSB_PRESET);
  const shown = unchanged ? 'unchanged (not written)' : `{${showStatus(actual.status)}, ${actual.information}}`;
  if (expect === 'unchanged') {
    t.check(`${what}: IO_STATUS_BLOCK`, 'unchanged', unchanged ? 'unchanged' : shown, unchanged);
    return;
  }
  const passed = !unchanged && (expect.status === null || actual.status === expect.status >>> 0) && (expect.information === null || actual.information === expect.information >>> 0);
  t.check(`${what}: IO_STATUS_BLOCK`, `{${expect.status === null ? '*' : showStatus(expect.status)}, ${expect.information ?? '*'}}`, shown, passed);
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
