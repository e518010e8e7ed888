import { type TraceEvent } from '@irpsim/core';
import { IRP_MJ_MAXIMUM_FUNCTION, SL, majorName } from '@irpsim/io-manager';
import type { DeviceView, DriverView, IoSnapshot, IrpView, StackLocationView } from './ioSnapshot.ts';
import { irpOf } from './irpActors.ts';
import { narrate } from './narrate.ts';
import { formatTime } from './renderText.ts';
import {
  DEVICE_OBJECT_SIZE,
  INVALID_DEVICE_REQUEST,
  IRP_HEADER_SIZE,
  mdlAddress,
  STACK_LOCATION_SIZE,
  objectAddress,
  p32,
  routineAddress,
  threadAddress,
} from './windbgAddresses.ts';

export interface WindbgOptions {
  /** Numbers to show by name in the event's description. */
  readonly names?: ReadonlyMap<number, string>;
  /** The scenario's name, for the header. */
  readonly scenario?: string;
}

/**
 * `--format windbg --at SEQ`: what a kernel debugger broken in at event SEQ would print —
 * `!irp` for the IRP the event concerns (every IRP in flight when it concerns none), then
 * `!devstack` for the device stacks involved and `!drvobj … 3` for their drivers. The
 * layouts are WinDbg's (kdexts, x86 pointers). A pure function of the snapshot taken at
 * that event and the event itself.
 */
export function renderWindbg(snapshot: IoSnapshot, event: TraceEvent, options: WindbgOptions = {}): string {
  const names = options.names ?? new Map<number, string>();
  const driverIds = new Map(snapshot.drivers.map((d) => [d.name, d.id] as const));
  const devices = new Map(snapshot.devices.map((d) => [d.id, d] as const));
  const out: string[] = [];
  const what = narrate(event, names)?.text ?? (event.type === 'sim.end' ? `the run ends: ${event.outcome}, ${event.reason}` : event.type);
  out.push(`$$ irpsim${options.scenario !== undefined ? ` ${options.scenario}` : ''}: state at event ${event.seq} (${formatTime(event.t).trim()}, ${event.actor})`);
  out.push(`$$ ${event.type}: ${what}`);
  const concerned = concernedIrps(event);
  const shown = concerned !== null ? snapshot.irps.filter((i) => concerned.includes(i.id)) : snapshot.irps;
  if (concerned !== null && shown.length < concerned.length) {
    out.push(`$$ IRP ${concerned.filter((id) => !shown.some((i) => i.id === id)).join(', ')} no longer exists at this event (freed)`);
  }
  if (concerned === null) out.push(`$$ the event concerns no IRP: ${shown.length === 0 ? 'no IRP is in flight' : `every IRP in flight (${shown.length})`}`);
  for (const irp of shown) {
    out.push('');
    out.push(`$$ IRP ${irp.id}: ${STATE_NOTES[irp.state] ?? irp.state}`);
    out.push(`kd> !irp ${p32(irp.address)}`);
    out.push(...irpCommand(irp, devices, driverIds));
  }
  // The stacks involved: those of the devices at the shown IRPs' current locations, else every stack.
  const current = shown.flatMap((i) => {
    const sl = i.stack[i.currentLocation - 1];
    return sl?.device != null ? [sl.device] : [];
  });
  const eventDevice = (event as { device?: unknown }).device;
  if (typeof eventDevice === 'number' && devices.has(eventDevice)) current.push(eventDevice);
  const targets = current.length > 0 ? current : snapshot.devices.filter((d) => d.lower === null && !d.deleted).map((d) => d.id);
  const seenStacks = new Set<number>();
  const driverOrder: string[] = [];
  for (const id of targets) {
    const stack = stackOf(id, devices);
    const top = stack[0]!.id;
    if (seenStacks.has(top)) continue;
    seenStacks.add(top);
    out.push('');
    out.push(`kd> !devstack ${p32(objectAddress(id))}`);
    out.push(...devstackCommand(stack, id));
    for (const d of stack) if (!driverOrder.includes(d.driver)) driverOrder.push(d.driver);
  }
  for (const name of driverOrder) {
    const driver = snapshot.drivers.find((d) => d.name === name);
    if (driver === undefined) continue;
    out.push('');
    out.push(`kd> !drvobj ${name} 3`);
    out.push(...drvobjCommand(driver, driverIds));
  }
  return out.join('\n') + '\n';
}

/** What each of the simulator's IRP states means, for the `$$` line above an `!irp`. */
const STATE_NOTES: Readonly<Record<string, string>> = {
  allocated: 'built, not yet sent to a driver (CurrentLocation = StackCount + 1, which !irp reads as completed)',
  active: 'sent down with IoCallDriver: a driver owns it',
  held: 'a completion routine returned STATUS_MORE_PROCESSING_REQUIRED: its driver owns it again',
  completed: "the completion walk is done: the I/O manager's final processing is next",
};

/** The IRPs an event names: its `irp`, or a cancel request's list; null when it names none. */
function concernedIrps(e: TraceEvent): number[] | null {
  if (e.type === 'io.cancel.request') return e.irps.length > 0 ? [...e.irps] : null;
  const id = irpOf(e);
  return id === null ? null : [id];
}

/** `!irp`: the header, the buffers and thread, then one entry per stack location, location 1 first. */
function irpCommand(irp: IrpView, devices: ReadonlyMap<number, DeviceView>, driverIds: ReadonlyMap<string, number>): string[] {
  const lines: string[] = [];
  const current = irp.currentLocation;
  if (current > irp.stackCount || current < 1) {
    lines.push(`Irp is completed.${irp.pendingReturned ? '  Pending has been returned' : ''}`);
  } else {
    const address = irp.address + IRP_HEADER_SIZE + (current - 1) * STACK_LOCATION_SIZE;
    lines.push(`Irp is active with ${irp.stackCount} stacks ${current} is current (= 0x${p32(address)})`);
  }
  const mdl = irp.mdlVa !== 0 ? `Mdl=${p32(mdlAddress(irp.id))}` : 'No Mdl';
  const buffer = irp.systemBuffer !== 0 ? `System buffer=${p32(irp.systemBuffer)}` : 'No System Buffer';
  lines.push(` ${mdl}: ${buffer}: Thread ${p32(irp.thread === null ? 0 : threadAddress(irp.thread.tid))}:  Irp stack trace.${irp.pendingReturned && current <= irp.stackCount ? '  Pending has been returned' : ''}`);
  lines.push('     cmd  flg cl Device   File     Completion-Context');
  irp.stack.forEach((sl, i) => lines.push(...stackEntry(sl, i + 1 === current, devices, driverIds)));
  return lines;
}

function stackEntry(sl: StackLocationView, current: boolean, devices: ReadonlyMap<number, DeviceView>, driverIds: ReadonlyMap<string, number>): string[] {
  const used = sl.device !== null || sl.major !== 0;
  const major = used ? `${majorName(sl.major)}(${sl.major.toString(16)})` : 'N/A(0)';
  const minor = sl.minor === 0 ? 'N/A(0)' : `${sl.minor.toString(16)}(${sl.minor.toString(16)})`;
  const routine = sl.completionRoutine === null ? 0 : routineAddress(sl.completionRoutine, driverIds);
  const conditions = [
    (sl.control & SL.INVOKE_ON_SUCCESS) !== 0 ? 'Success' : '',
    (sl.control & SL.INVOKE_ON_ERROR) !== 0 ? 'Error' : '',
    (sl.control & SL.INVOKE_ON_CANCEL) !== 0 ? 'Cancel' : '',
    (sl.control & SL.PENDING_RETURNED) !== 0 ? 'pending' : '',
  ].filter((c) => c !== '');
  const device = sl.device === null ? undefined : devices.get(sl.device);
  return [
    `${current ? '>' : ' '}[${major}, ${minor}]`,
    `${sl.flags.toString(16).padStart(13)} ${sl.control.toString(16).padStart(2)} ${p32(sl.device === null ? 0 : objectAddress(sl.device))} ${p32(sl.file === null ? 0 : objectAddress(sl.file))} ${p32(routine)}-${p32(sl.context)} ${conditions.join(' ')}`.trimEnd(),
    `\t       ${device !== undefined ? `\\Driver\\${device.driver}` : ''}${sl.completionRoutine !== null ? `\t${sl.completionRoutine}` : ''}`.trimEnd(),
    `\t\t\tArgs: ${sl.args.map(p32).join(' ')}`,
  ];
}

/** A device's stack, top first (IoGetAttachedDevice down to the bottom). */
function stackOf(id: number, devices: ReadonlyMap<number, DeviceView>): DeviceView[] {
  let top = devices.get(id)!;
  while (top.attached !== null && devices.has(top.attached)) top = devices.get(top.attached)!;
  const stack: DeviceView[] = [];
  for (let d: DeviceView | undefined = top; d !== undefined; d = d.lower === null ? undefined : devices.get(d.lower)) stack.push(d);
  return stack;
}

/** `!devstack`: !DevObj, !DrvObj, !DevExt, ObjectName; top of the stack first, `>` on the device asked about. */
function devstackCommand(stack: readonly DeviceView[], asked: number): string[] {
  const lines = ['  !DevObj   !DrvObj            !DevExt   ObjectName'];
  for (const d of stack) {
    const address = objectAddress(d.id);
    const extension = d.hasExtension ? address + DEVICE_OBJECT_SIZE : 0;
    const name = d.name === null ? '' : d.name.replace(/^\\Device\\/, '');
    lines.push(`${d.id === asked ? '>' : ' '} ${p32(address)}  ${`\\Driver\\${d.driver}`.padEnd(18)} ${p32(extension)}  ${name}`.trimEnd());
  }
  return lines;
}

/** `!drvobj NAME 3`: the driver object, its device list, its entry points and its dispatch table. */
function drvobjCommand(driver: DriverView, driverIds: ReadonlyMap<string, number>): string[] {
  const at = (symbol: string | null): string => (symbol === null ? `00000000\t` : `${p32(routineAddress(symbol, driverIds))}\t${symbol}`);
  const lines = [
    `Driver object (${p32(objectAddress(driver.id))}) is for:`,
    ` \\Driver\\${driver.name}`,
    '',
    'Driver Extension List: (id , addr)',
    '',
    'Device Object list:',
    driver.devices.map((d) => `${p32(objectAddress(d))}  `).join('').trimEnd(),
    '',
    `DriverEntry:   ${at(`${driver.name}!DriverEntry`)}`,
    `DriverStartIo: ${at(null)}`,
    `DriverUnload:  ${at(driver.unload)}`,
    `AddDevice:     ${at(null)}`,
    '',
    'Dispatch routines:',
  ];
  for (let major = 0; major <= IRP_MJ_MAXIMUM_FUNCTION; major++) {
    const symbol = driver.dispatch[major] ?? null;
    const entry = symbol === null ? `${p32(INVALID_DEVICE_REQUEST)}\tnt!IopInvalidDeviceRequest` : at(symbol);
    lines.push(`[${major.toString(16).padStart(2, '0')}] ${majorName(major).padEnd(34)} ${entry}`);
  }
  return lines.map((l) => l.trimEnd());
}
