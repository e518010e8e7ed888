import { Machine, STATUS, firstCome, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, FILE_FLAG_OVERLAPPED, IRP_MJ, IoManager, METHOD, Win32, addInvariant, type InvariantSpec, type IrpRef } from '../src/index.ts';
import { complete, deviceDriver } from './__helpers__/irpDrivers.ts';

/**
 * The invariant API (docs/verifier.md "Invariants"): a researcher's protocol rule, written
 * in TypeScript over trace events, reports violations or stops the run; the built-in
 * liveness checks are invariants too.
 */

const WAIT = CTL_CODE(0x22, 0x900, METHOD.BUFFERED, 0);

/**
 * An inverted-call notifier: every WAIT is parked; 1 ms later a DPC delivers notification 1,
 * 1 ms after that notification 2, each by completing a WAIT with Information = the
 * notification's number. The buggy one delivers each notification to every parked WAIT.
 */
function notifier(buggy: boolean) {
  const parked: IrpRef[] = [];
  return deviceDriver({
    name: 'Notify',
    majors: {
      *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
        k.IoMarkIrpPending(irp);
        parked.push(irp);
        if (parked.length === 2) {
          for (const n of [1, 2]) {
            k.KeSetTimer(k.KeInitializeTimerEx(`t${n}`), -10_000 * n, k.KeInitializeDpc(`Notify${n}`, function* () {
              const targets = buggy ? parked.splice(0) : parked.splice(0, 1);
              for (const target of targets) yield* complete(k, target, STATUS.SUCCESS, n);
            }));
          }
        }
        return STATUS.PENDING;
      },
    },
  });
}

/** The researcher's rule: no notification number is delivered twice (completions of WAITs, by Information). */
function atMostOnce(stopAtFirst: boolean): InvariantSpec {
  const delivered = new Set<number>();
  const waits = new Set<number>();
  return {
    id: 'notify-at-most-once',
    name: 'every notification is delivered at most once',
    onEvent(event, context) {
      if (event.type === 'io.irp.buffers' && event.inputLength === 0) waits.add(event.irp);
      if (event.type !== 'io.irp.complete' || !waits.has(event.irp)) return;
      if (delivered.has(event.information)) {
        const message = `notification ${event.information} delivered again, by IRP ${event.irp}`;
        if (stopAtFirst) context.stop(message);
        else context.report(message);
      }
      delivered.add(event.information);
    },
  };
}

function run(buggy: boolean, invariant: InvariantSpec) {
  const machine = new Machine({ strategy: firstCome() });
  const io = new IoManager(machine, { verifier: 'enhanced' });
  addInvariant(machine, invariant);
  machine.createSystemThread('boot', function* () {
    yield* io.loadDriver('Notify', notifier(buggy));
    machine.createThread(machine.createProcess('app'), 'app', function* (thread): Routine<void> {
      const u = new Win32(io, thread);
      const h = yield* u.CreateFile('\\\\.\\Notify', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
      const events: number[] = [];
      for (let i = 0; i < 2; i++) {
        const ov = u.scratch(20);
        const event = yield* u.CreateEvent(true, false);
        u.writeU32(ov + 16, event);
        events.push(event);
        yield* u.DeviceIoControl(h, WAIT, 0, 0, u.scratch(8), 8, 0, ov);
      }
      for (const event of events) yield* u.WaitForSingleObject(event, 100);
    });
  });
  return machine.engine.run();
}

describe('invariants written by a researcher (addInvariant)', () => {
  it('a TypeScript invariant (notify-at-most-once) over trace events finds the notifier that delivers one notification twice, and stays quiet on the correct one', () => {
    const correct = run(false, atMostOnce(false));
    expect(correct.outcome).toBe('completed');
    expect(correct.violations).toEqual([]);
    const buggy = run(true, atMostOnce(false));
    expect(buggy.violations.map((v) => [v.check, v.name, v.message])).toEqual([
      ['notify-at-most-once', 'every notification is delivered at most once', 'notification 1 delivered again, by IRP 3'],
    ]);
    expect(buggy.outcome).toBe('completed');
  });

  it('an invariant (notify-at-most-once) may stop the run at the offending event (outcome completed, the reason names it)', () => {
    const stopped = run(true, atMostOnce(true));
    expect(stopped.violations.map((v) => v.check)).toEqual(['notify-at-most-once']);
    expect(stopped.reason).toBe('invariant notify-at-most-once stopped the run: notification 1 delivered again, by IRP 3');
    // Stopped right there: the second timer never fired, and the cut run is not checked for liveness.
    expect(stopped.stats.simTimeNs).toBeLessThan(2_000_000);
  });

  it('an invariant\'s end hook sees whether the run ended at quiescence (the hook the built-in liveness checks use)', () => {
    const ends: unknown[] = [];
    run(false, { id: 'end-seen', name: 'records how the run ended', atEnd: (end) => void ends.push(end) });
    expect(ends).toEqual([{ outcome: 'completed', quiescent: true }]);
  });
});
