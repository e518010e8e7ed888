import { STATUS, statusName, type TraceEvent } from '@irpsim/core';
import { majorName } from '@irpsim/io-manager';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import { actorsOf, describeKernelEvent } from './actorLanes.ts';
import { describeIrpEvent } from './irpActors.ts';
import { narrate } from './narrate.ts';

export interface MermaidOptions {
  /** Numbers to show by name (IOCTL codes). */
  readonly names?: ReadonlyMap<number, string>;
}

/** Event types left out of the diagram: bookkeeping a sequence diagram would drown in. */
const QUIET = new Set(['sched.choice', 'ob.insert', 'ob.delete', 'ob.lookup', 'handle.open', 'handle.close', 'cpu.irql', 'spinlock.spin', 'spinlock.acquire', 'spinlock.release', 'mem.alloc', 'mem.free', 'mem.section.touch', 'io.irp.free', 'sim.end']);

/**
 * `--format mermaid`: a Mermaid sequence diagram of the run with a lane per user thread,
 * the I/O manager, each device object and one for DPCs and timers (system threads get a
 * lane when they do I/O). System calls and IoCallDriver are arrows, their returns dashed
 * arrows back; everything else is a note over the lane it happened in. Boot (DriverEntry)
 * is left out. A pure function of the trace.
 */
export function renderMermaid(result: ScenarioResult, events: readonly TraceEvent[], options: MermaidOptions = {}): string {
  const names = options.names ?? new Map<number, string>();
  const actors = actorsOf(events);
  const out: string[] = ['sequenceDiagram', `  title ${clean(`${result.scenario} (seed ${result.seed})`)}`];
  const declared: string[] = [];
  const declare = (id: string, label: string): void => {
    declared.push(`  participant ${id} as ${clean(label)}`);
  };
  // Lanes: user threads, the I/O manager, devices, DPCs and timers; system threads that do I/O.
  const threadLane = new Map<string, string>();
  for (const [name, a] of actors) if (a.kind === 'user') threadLane.set(name, `T${a.tid!}`);
  for (const [name, lane] of threadLane) declare(lane, name);
  declare('IO', 'I/O manager');
  const deviceLane = new Map<number, string>();
  const driverDevices = new Map<string, number[]>();
  let booted = false;
  for (const e of events) {
    if (e.type === 'io.device.create') {
      deviceLane.set(e.device, `D${e.device}`);
      driverDevices.set(e.driver, [...(driverDevices.get(e.driver) ?? []), e.device]);
      declare(`D${e.device}`, `${e.name ?? `${e.driver}#${e.device}`} (${e.driver})`);
    }
  }
  declare('K', 'DPCs and timers');
  const systemLanes = new Map<string, string>();
  for (const e of events) {
    const a = actors.get(e.actor);
    if (a?.kind === 'system' && (e.type === 'syscall.enter' || e.type === 'io.irp.call' || e.type === 'workitem.run') && !systemLanes.has(e.actor)) {
      systemLanes.set(e.actor, `S${a.tid!}`);
      declare(`S${a.tid!}`, e.actor);
    }
  }
  out.push(...declared);
  /** Each actor's lanes, innermost last: its own lane, then the I/O manager, then the devices it called into. */
  const stacks = new Map<string, string[]>();
  const baseLane = (actor: string): string => threadLane.get(actor) ?? systemLanes.get(actor) ?? 'K';
  const laneOf = (actor: string): string => {
    const stack = stacks.get(actor);
    return stack !== undefined && stack.length > 0 ? stack[stack.length - 1]! : baseLane(actor);
  };
  const push = (actor: string, lane: string): void => {
    stacks.set(actor, [...(stacks.get(actor) ?? []), lane]);
  };
  const pop = (actor: string): void => {
    stacks.get(actor)?.pop();
  };
  /** The device each IRP's stack location was sent to. */
  const locations = new Map<string, number>();
  const deviceOfDriver = (actor: string, driver: string): string | null => {
    const stack = stacks.get(actor) ?? [];
    const own = driverDevices.get(driver) ?? [];
    for (let i = stack.length - 1; i >= 0; i--) if (own.some((d) => deviceLane.get(d) === stack[i])) return stack[i]!;
    return own.length > 0 ? deviceLane.get(own[0]!)! : null;
  };
  const note = (lane: string, text: string): void => {
    out.push(`  Note over ${lane}: ${clean(text)}`);
  };
  for (const e of events) {
    // DriverEntry and the rest of boot happen before the first user process.
    if (!booted) {
      if (e.type === 'process.create' && !e.name.startsWith('System')) booted = true;
      else continue;
    }
    if (QUIET.has(e.type)) continue;
    // Process and thread bookkeeping shows only on user-thread lanes.
    if (e.type === 'process.create' || e.type === 'process.exit') continue;
    if (e.type === 'thread.create' || e.type === 'thread.exit') {
      const lane = threadLane.get(e.type === 'thread.create' ? e.name : e.actor);
      if (lane !== undefined) note(lane, narrate(e, names)!.text);
      continue;
    }
    const lane = laneOf(e.actor);
    switch (e.type) {
      case 'syscall.enter':
        out.push(`  ${lane}->>IO: ${clean(e.service)}`);
        push(e.actor, 'IO');
        break;
      case 'syscall.exit':
        pop(e.actor);
        out.push(`  IO-->>${laneOf(e.actor)}: ${clean(`${e.service} → ${statusName(e.status)}`)}`);
        break;
      case 'io.irp.call': {
        const to = deviceLane.get(e.device) ?? 'IO';
        locations.set(`${e.irp}/${e.location}`, e.device);
        out.push(`  ${lane}->>${to}: ${clean(`IRP ${e.irp} ${majorName(e.major)}, stack location ${e.location} of ${e.stackCount}`)}`);
        push(e.actor, to);
        break;
      }
      case 'io.irp.return': {
        pop(e.actor);
        out.push(`  ${lane}-->>${laneOf(e.actor)}: ${clean(`IRP ${e.irp}: ${statusName(e.status)}`)}`);
        break;
      }
      case 'io.irp.pending':
      case 'io.irp.complete':
      case 'io.irp.routine': {
        const device = locations.get(`${e.irp}/${e.location}`);
        const over = e.type === 'io.irp.complete' && e.driver === null ? 'IO' : device !== undefined ? deviceLane.get(device)! : lane;
        const text =
          e.type === 'io.irp.pending'
            ? `IoMarkIrpPending(IRP ${e.irp})`
            : e.type === 'io.irp.complete'
              ? `IoCompleteRequest(IRP ${e.irp}): ${statusName(e.status)}, Information = ${e.information}`
              : `completion routine of ${e.driver} for IRP ${e.irp} → ${statusName(e.result)}${e.result >>> 0 === STATUS.MORE_PROCESSING_REQUIRED ? ' (walk stops)' : ''}`;
        note(over, `${text}${over !== lane && lane === 'K' ? ` [in ${e.actor}]` : ''}`);
        break;
      }
      case 'io.dbgprint':
        note(deviceOfDriver(e.actor, e.driver) ?? lane, `${e.driver}: ${e.message}`);
        break;
      case 'timer.set':
        out.push(`  ${lane}->>K: ${clean(`KeSetTimer ${e.timer}: due in ${e.dueNs / 1000} µs`)}`);
        break;
      case 'dpc.queue':
        out.push(`  ${lane}->>K: ${clean(`KeInsertQueueDpc ${e.dpc}`)}`);
        break;
      case 'scenario.expect':
        // Only the expectations that failed: the passing ones are in the text output.
        if (!e.passed) note(lane, narrate(e, names)?.text ?? e.description);
        break;
      default: {
        const text = narrate(e, names)?.text ?? describeIrpEvent(e) ?? undefined;
        if (text !== undefined) note(e.type.startsWith('io.') && lane === baseLane(e.actor) && threadLane.has(e.actor) ? 'IO' : lane, text);
        else {
          const kernel = describeKernelEvent(e);
          if (kernel !== null) note(lane, kernel);
        }
      }
    }
  }
  return out.join('\n') + '\n';
}

/** Text Mermaid takes literally: one line, no `;` (a statement separator, and the end of a `#35;` entity), no `%%` comment. */
export function clean(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/;/g, ',')
    .replace(/%%/g, '%')
    .trim();
}
