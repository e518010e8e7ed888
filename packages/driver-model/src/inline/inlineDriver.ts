import { STATUS, type KDpc, type KEvent, type KTimer, type NtStatus, type Routine } from '@irpsim/core';
import { DO, FILE_DEVICE, IRP_MJ, type DeviceRef, type DispatchRoutine, type DriverRef, type IoCsq, type Kernel } from '@irpsim/io-manager';
import { defineDriver, type DriverDefinition } from '../defineDriver.ts';
import type { DeferredAction, DpcAction, InlineAction, InlineDriverSpec, TimerAction } from './InlineDriverSpec.ts';
import type { InlineExtension } from './inlineExtension.ts';
import { inlineQueue } from './inlineQueue.ts';
import { createNamedEvent } from './namedEvent.ts';
import { runDeferred, runRequest } from './runActions.ts';

/** The majors an inline driver may handle. */
const MAJORS = [IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE, IRP_MJ.READ, IRP_MJ.WRITE, IRP_MJ.DEVICE_CONTROL];

const SUCCEED: readonly InlineAction[] = [{ action: 'complete', status: STATUS.SUCCESS }];
const PASS_DOWN: readonly InlineAction[] = [{ action: 'forward', completion: null }];
const INVALID: readonly InlineAction[] = [{ action: 'complete', status: STATUS.INVALID_DEVICE_REQUEST }];

/** `my-echo` → `MyEcho`. */
export const serviceNameOf = (name: string): string => name.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/** Every action of a list, nested lists (timer, DPC, completion routine) included. */
export function* allActions(list: readonly InlineAction[]): Generator<InlineAction> {
  for (const action of list) {
    yield action;
    if (action.action === 'timer' || action.action === 'dpc') yield* allActions(action.then);
    if (action.action === 'forward' && action.completion !== null) yield* allActions(action.completion.then);
  }
}

/** Every action list of a driver. */
function lists(spec: InlineDriverSpec): (readonly InlineAction[])[] {
  const d = spec.dispatch;
  return [...d.majors.values(), ...d.ioctls.values(), ...(d.otherwise === null ? [] : [d.otherwise])];
}

/** `\DosDevices\Notify` or `\??\Notify` → `\\.\Notify`, what a program opens. */
function opensOf(link: string | null): string[] {
  const m = link === null ? null : /^\\(?:DosDevices|\?\?)\\(.+)$/.exec(link);
  return m === null ? [] : [`\\\\.\\${m[1]!}`];
}

/**
 * Builds a real driver from an inline declaration: a DriverEntry that creates the device
 * (or attaches a filter), its link, named events, one cancel-safe queue per `pend` name and
 * a KTIMER/KDPC per `timer` and `dpc` action; and one dispatch routine per major that runs
 * the matching action list. Nothing here is known to the I/O manager: it sees a driver.
 */
export function inlineDriver(spec: InlineDriverSpec): DriverDefinition {
  const d = spec.dispatch;
  const listFor = (major: number, code: number | null): readonly InlineAction[] => {
    if (code !== null) {
      const byCode = d.ioctls.get(code);
      if (byCode !== undefined) return byCode;
    }
    const own = d.majors.get(major);
    if (own !== undefined) return own;
    const lifecycle = major === IRP_MJ.CREATE || major === IRP_MJ.CLEANUP || major === IRP_MJ.CLOSE;
    if (d.otherwise !== null && !lifecycle) return d.otherwise;
    if (spec.attach !== null) return PASS_DOWN;
    return lifecycle ? SUCCEED : INVALID;
  };
  const routineFor = (major: number): DispatchRoutine =>
    function* (k, device, irp) {
      const code = major === IRP_MJ.DEVICE_CONTROL ? k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode : null;
      return yield* runRequest(k, device, irp, listFor(major, code));
    };
  // A major gets a routine when some list can handle it; READ and WRITE without one stay NULL (the I/O manager refuses them).
  const handled = (major: number): boolean =>
    d.majors.has(major) || d.otherwise !== null || spec.attach !== null || (major === IRP_MJ.DEVICE_CONTROL ? d.ioctls.size > 0 : major !== IRP_MJ.READ && major !== IRP_MJ.WRITE);

  return defineDriver({
    name: spec.name,
    description: spec.description ?? `Inline driver${spec.device === null ? '' : ` ${spec.device}`}${spec.attach === null ? '' : ` attached above ${spec.attach}`}`,
    serviceName: spec.serviceName ?? serviceNameOf(spec.name),
    values: spec.values,
    opens: opensOf(spec.link),
    *DriverEntry(k, driver) {
      const created = yield* createDevice(k, driver, spec);
      if (created.device === null) return created.status;
      const device = created.device;
      for (const major of MAJORS) if (handled(major)) driver.MajorFunction[major] = routineFor(major);
      if (spec.link !== null && spec.device !== null) {
        const linked = k.IoCreateSymbolicLink(spec.link, spec.device);
        if (linked !== STATUS.SUCCESS) return linked;
      }
      const ext = device.extension as InlineExtension;
      for (const [name, type] of Object.entries(spec.events)) {
        const made = yield* createNamedEvent(k, name, type);
        if (made.event === null) return made.status;
        ext.events.set(name, made.event);
      }
      return STATUS.SUCCESS;
    },
  });
}

/** IoCreateDevice (and, for a filter, IoAttachDevice), with the extension the actions share. */
function* createDevice(k: Kernel, driver: DriverRef, s: InlineDriverSpec): Routine<{ status: NtStatus; device: DeviceRef | null }> {
  const created = k.IoCreateDevice(driver, { ...(s.device === null ? {} : { deviceName: s.device }), deviceType: FILE_DEVICE.UNKNOWN, exclusive: s.exclusive });
  if (created.device === null) return created;
  const device = created.device;
  let lower: DeviceRef | null = null;
  if (s.attach !== null) {
    const attached = k.IoAttachDevice(device, s.attach);
    if (attached.attachedTo === null) {
      // A DriverEntry that fails leaves nothing behind.
      k.IoDeleteDevice(device);
      return { status: attached.status, device: null };
    }
    lower = attached.attachedTo;
    // The I/O manager reads the buffering flags of the top of the stack.
    device.flags |= lower.flags & (DO.BUFFERED_IO | DO.DIRECT_IO);
  }
  device.flags |= s.flags;
  const queues = new Map<string, IoCsq>();
  const timers = new Map<TimerAction, { timer: KTimer; dpc: KDpc }>();
  const dpcs = new Map<DpcAction, KDpc>();
  const ext: InlineExtension = { lower, queues, events: new Map<string, KEvent>(), timers, dpcs, flags: device.flags, store: new Uint8Array(0) };
  const deferred = (name: string, then: readonly DeferredAction[]): KDpc => k.KeInitializeDpc(`${s.name} ${name}`, () => runDeferred(k, ext, then, null));
  for (const list of lists(s)) {
    for (const a of allActions(list)) {
      if (a.action === 'pend' && !queues.has(a.queue)) queues.set(a.queue, inlineQueue(k, a.queue));
      if (a.action === 'timer' && !timers.has(a)) timers.set(a, { timer: k.KeInitializeTimerEx(`${s.name} timer ${timers.size + 1}`), dpc: deferred(`timer ${timers.size + 1} DPC`, a.then) });
      if (a.action === 'dpc' && !dpcs.has(a)) dpcs.set(a, deferred(`DPC ${dpcs.size + 1}`, a.then));
    }
  }
  device.extension = ext;
  yield* k.schedulingPoint();
  return { status: STATUS.SUCCESS, device };
}
