import type { TraceEvent } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { runJob } from '../cli/runJob.ts';
import { renderWindbg, snapshotAt } from '../src/index.ts';
import { GOLDEN_LESSONS, runLesson } from './renderLesson.ts';

/** What the live engine held for one IRP as an event was emitted, read straight from its objects. */
interface LiveIrp {
  currentLocation: number;
  stackCount: number;
  locations: { major: number; device: number | null; routine: string | null; control: number; args: number[] }[];
}

/** Runs a lesson, recording the live IRPs at every event that names one, and the snapshot-based rendering. */
function everyIrpEvent(lesson: string): { event: TraceEvent; live: LiveIrp | null; text: string }[] {
  const seen: { seq: number; live: LiveIrp | null }[] = [];
  const snapshots = new Map<number, () => ReturnType<ReturnType<typeof snapshotAt>>>();
  const run = runLesson(lesson, (simulation) => {
    simulation.machine.engine.addMonitor({
      name: 'test: live IRP',
      onEvent(e) {
        const id = (e as { irp?: unknown }).irp;
        if (typeof id !== 'number' || !e.type.startsWith('io.irp.')) return;
        const irp = simulation.io.irps.get(id);
        seen.push({
          seq: e.seq,
          live:
            irp === undefined
              ? null
              : {
                  currentLocation: irp.currentLocation,
                  stackCount: irp.stackCount,
                  locations: irp.stack.map((sl) => ({
                    major: sl.majorFunction,
                    device: sl.deviceObject?.id ?? null,
                    routine: sl.completionRoutine?.name ?? null,
                    control: sl.control,
                    args: [sl.arg1, sl.arg2, sl.arg3, sl.arg4],
                  })),
                },
        });
      },
    });
    // The renderer's input at every event, taken by the CLI's own mechanism (lessons stay under 1000 events).
    for (let seq = 1; seq <= 1000; seq++) snapshots.set(seq, snapshotAt(simulation, seq));
  });
  return seen.map(({ seq, live }) => {
    const event = run.simulation.events[seq - 1]!;
    const snapshot = snapshots.get(seq)!();
    return { event, live, text: snapshot === null ? '' : renderWindbg(snapshot, event, { names: run.names }) };
  });
}

/** The `!irp` block of one IRP: its header and stack entries (4 lines each: function, row, driver, Args). */
function irpBlock(text: string, irpAddress: string): { header: string; entries: string[][] } {
  const lines = text.split('\n');
  const start = lines.indexOf(`kd> !irp ${irpAddress}`);
  expect(start, text).toBeGreaterThanOrEqual(0);
  const header = lines[start + 1]!;
  expect(lines[start + 2]).toMatch(/^ (No Mdl|Mdl=[0-9a-f]{8}): (No System Buffer|System buffer=[0-9a-f]{8}): Thread [0-9a-f]{8}: {2}Irp stack trace\./);
  expect(lines[start + 3]).toBe('     cmd  flg cl Device   File     Completion-Context');
  const entries: string[][] = [];
  for (let i = start + 4; i + 3 < lines.length && /^[> ]\[/.test(lines[i]!); i += 4) entries.push(lines.slice(i, i + 4));
  return { header, entries };
}

const p32 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

describe('--format windbg: !irp at an event shows the IRP as the engine held it then', () => {
  for (const lesson of GOLDEN_LESSONS) {
    it(`${lesson}: at every IRP event, the stack locations, the current one (>) and their devices, routines and Args match the live IRP`, () => {
      const all = everyIrpEvent(lesson);
      expect(all.length).toBeGreaterThan(20);
      let checked = 0;
      for (const { event, live, text } of all) {
        if (live === null) {
          expect(text).toMatch(/no longer exists at this event/);
          continue;
        }
        const irp = (event as { irp: number }).irp;
        const { header, entries } = irpBlock(text, p32(0x86000000 + irp * 0x100));
        expect(entries.length).toBe(live.stackCount);
        if (live.currentLocation <= live.stackCount) {
          expect(header).toMatch(new RegExp(`^Irp is active with ${live.stackCount} stacks ${live.currentLocation} is current \\(= 0x[0-9a-f]{8}\\)$`));
        } else {
          expect(header).toMatch(/^Irp is completed\./);
        }
        entries.forEach(([fn, row, driver, args], i) => {
          const sl = live.locations[i]!;
          expect(fn!.startsWith('>'), `${event.seq} location ${i + 1}:\n${text}`).toBe(i + 1 === live.currentLocation);
          const cols = row!.trim().split(/\s+/);
          expect(parseInt(cols[1]!, 16)).toBe(sl.control);
          expect(cols[2]).toBe(p32(sl.device === null ? 0 : 0x84000000 + sl.device * 0x100));
          expect(cols[4]!.endsWith('-00000000') && cols[4] !== '00000000-00000000').toBe(sl.routine !== null);
          if (sl.routine !== null) expect(driver).toContain(`!${sl.routine}`);
          if (sl.major !== 0 || sl.device !== null) expect(fn).toContain(`(${sl.major.toString(16)}), `);
          expect(args).toBe(`\t\t\tArgs: ${sl.args.map(p32).join(' ')}`);
        });
        // IO-5.2: at IoCallDriver the location it names is current and holds the device it names.
        if (event.type === 'io.irp.call') {
          expect(live.currentLocation).toBe(event.location);
          expect(entries[event.location - 1]![1]!.trim().split(/\s+/)[2]).toBe(p32(0x84000000 + event.device * 0x100));
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(20);
    });
  }

  it('completion-routines: while the lower driver holds IRP 2 pending, the filters\' completion routines sit in the locations below theirs (IO-5.6)', () => {
    const all = everyIrpEvent('completion-routines');
    const pending = all.find((x) => x.event.type === 'io.irp.pending' && (x.event as { irp: number }).irp === 2)!;
    const { header, entries } = irpBlock(pending.text, p32(0x86000200));
    expect(header).toMatch(/^Irp is active with 3 stacks 1 is current/);
    // Location 1 (Slow's): WatchFilter's routine, invoked on success, error and cancel, and Slow marked it pending.
    expect(entries[0]![0]).toBe('>[IRP_MJ_DEVICE_CONTROL(e), N/A(0)]');
    expect(entries[0]![1]).toMatch(/ e1 [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8}-00000000 Success Error Cancel pending$/);
    expect(entries[0]![2]).toMatch(/^\t {7}\\Driver\\Slow\tWatchFilter!\w+$/);
    // Location 2 (WatchFilter's): ResyncFilter's routine; location 3 (the top): none.
    expect(entries[1]![2]).toMatch(/^\t {7}\\Driver\\WatchFilter\tResyncFilter!\w+$/);
    expect(entries[2]![1]).toMatch(/ 0 [0-9a-f]{8} [0-9a-f]{8} 00000000-00000000$/);
    // The device stack, top first, with > on the device the current location names.
    expect(pending.text).toMatch(/kd> !devstack 84000c00\n {2}!DevObj {3}!DrvObj {12}!DevExt {3}ObjectName\n {2}84001100 {2}\\Driver\\ResyncFilter [0-9a-f]{8}\n {2}84000f00 {2}\\Driver\\WatchFilter [0-9a-f]{8}\n> 84000c00 {2}\\Driver\\Slow {7}[0-9a-f]{8} {2}Slow\n/);
    expect(pending.text).toMatch(/kd> !drvobj Slow 3\nDriver object \([0-9a-f]{8}\) is for:\n \\Driver\\Slow\n/);
    expect(pending.text).toMatch(/\[0e\] IRP_MJ_DEVICE_CONTROL {14}[0-9a-f]{8}\tSlow!\w+/);
    expect(pending.text).toMatch(/\[01\] IRP_MJ_CREATE_NAMED_PIPE {11}8040a1c0\tnt!IopInvalidDeviceRequest/);
  });

  it('an event that concerns no IRP shows every IRP in flight', async () => {
    // The Slow timer fires while IRP 2 waits in the driver's queue.
    const { simulation } = runLesson('completion-routines');
    const fire = simulation.events.find((e) => e.type === 'timer.fire')!;
    const out = await runJob({ command: 'run', arg: 'completion-routines', format: 'windbg', at: fire.seq });
    expect(out.exit).toBe(0);
    expect(out.stdout).toMatch(/the event concerns no IRP: every IRP in flight \(1\)/);
    expect(out.stdout).toContain('kd> !irp 86000200\nIrp is active with 3 stacks 1 is current');
  });

  it('--at past the last event is a usage error at the option (exit 2)', async () => {
    const out = await runJob({ command: 'run', arg: 'ioctl-methods', format: 'windbg', at: 99999, atColumn: 36 });
    expect(out.exit).toBe(2);
    expect(out.stderr).toMatch(/^<command line>:1:36: error: --at 99999: the run has \d+ events, numbered 1 to \d+/);
  });
});
