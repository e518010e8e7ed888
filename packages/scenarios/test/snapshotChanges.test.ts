import * as fs from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCESS, STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { defineDriver } from '@irpsim/driver-model';
import { CREATION, CTL_CODE, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type IrpRef, type Kernel } from '@irpsim/io-manager';
import { IRP_PAGE_SIZE, applyPatches, createSimulation, defineScenario, irpsOf, type Simulation, type SimulationState, type ThreadContext } from '../src/index.ts';
import { HOLD_DRIVER } from './fixtures/holdDriver.ts';

const LESSONS = join(import.meta.dirname, '..', 'lessons');
const lessons = fs.readdirSync(LESSONS).filter((f) => f.endsWith('.yaml')).sort();

/**
 * Steps `simulation` to its end, snapshotting after each of `gaps` steps in turn: every
 * snapshot equals a fresh full read (`inspect()`), and its patches take the previous
 * state to it and back. `visit` sees each snapshot's state.
 */
function snapshotToEnd(simulation: Simulation, gaps: readonly number[], visit?: (state: SimulationState) => void): void {
  let previous: SimulationState = simulation.snapshot().state;
  let running = true;
  for (let i = 0; running; i++) {
    for (let gap = gaps[i % gaps.length]!; gap > 0 && running; gap--) running = simulation.step();
    const next = simulation.snapshot();
    expect(next.state).toEqual(simulation.inspect());
    expect(applyPatches(previous, next.patches ?? [])).toEqual(next.state);
    expect(applyPatches(next.state, next.inversePatches ?? [])).toEqual(previous);
    visit?.(next.state);
    previous = next.state;
  }
}

/**
 * A snapshot after the first reads only the IRPs the I/O manager's change log names
 * (IrpChangeLog.ts); every other record comes from the previous snapshot. Against a fresh
 * full read (`inspect()`), at every snapshot of every lesson, under seeded schedules and
 * the adversaries (which pend, fail and cancel IRPs the lessons do not), snapshotting at
 * the steps fast-check picks — so changes of several steps accumulate between two.
 */
describe('snapshots rebuild only the IRPs that changed, and equal a full read', () => {
  for (const file of lessons) {
    it(file, () => {
      const text = fs.readFileSync(join(LESSONS, file), 'utf8');
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1000 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }), (seed, adversaries, gaps) => {
          snapshotToEnd(createSimulation(text, { file, seed, adversaries, record: false, patches: true }), gaps);
        }),
        { numRuns: 4, examples: [[1, true, [1]], [2, false, [3, 1]]] },
      );
    });
  }
});

/** IOCTLs of the driver below: hold the request, change the held one, complete the held one. */
const HOLD = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x900, METHOD.BUFFERED, FILE_ACCESS.ANY);
const TOUCH = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x901, METHOD.BUFFERED, FILE_ACCESS.ANY);
const RELEASE = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x902, METHOD.BUFFERED, FILE_ACCESS.ANY);

/**
 * A driver that keeps a pending IRP and writes its IoStatus.Information while it handles
 * another request: a step in which no trace event names the held IRP, which the change log
 * knows of only from the driver's access through its `IrpRef`.
 */
function holdingDriver() {
  let held: IrpRef | null = null;
  const complete = function* (k: Kernel, irp: IrpRef): Routine<NtStatus> {
    irp.ioStatus.status = STATUS.SUCCESS;
    irp.ioStatus.information = 0;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS.SUCCESS;
  };
  const control: DispatchRoutine = function* (k, _device, irp) {
    const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
    if (code === HOLD) {
      held = irp;
      k.IoMarkIrpPending(irp);
      return STATUS.PENDING;
    }
    if (code === TOUCH && held !== null) held.ioStatus.information = 7;
    if (code === RELEASE && held !== null) {
      const done = held;
      held = null;
      done.ioStatus.status = STATUS.SUCCESS;
      yield* k.IoCompleteRequest(done, IO_NO_INCREMENT);
    }
    return yield* complete(k, irp);
  };
  return defineDriver({
    name: 'holding',
    description: 'holds one IOCTL, touches it, completes it',
    serviceName: 'Holding',
    *DriverEntry(k, driver) {
      const { status } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Holding' });
      if (status !== STATUS.SUCCESS) return status;
      k.IoCreateSymbolicLink('\\??\\Holding', '\\Device\\Holding');
      for (const major of [IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]) driver.MajorFunction[major] = (kk, _d, irp) => complete(kk, irp);
      driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = control;
      return STATUS.SUCCESS;
    },
  });
}

describe('a driver changing an IRP it holds, in a step no event names that IRP', () => {
  it('is in the next snapshot (IrpChangeLog: the driver touched it through its IrpRef)', () => {
    const open = function* (u: ThreadContext['u']): Routine<number> {
      return yield* u.CreateFile('\\\\.\\Holding', ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE, 0, CREATION.OPEN_EXISTING, 0);
    };
    const spec = defineScenario({
      name: 'touch-held',
      description: 'one thread waits on a held IOCTL while another changes and completes it',
      drivers: [holdingDriver()],
      processes: [
        {
          name: 'app',
          threads: [
            { name: 'waiter', *run({ u }) { yield* u.DeviceIoControl(yield* open(u), HOLD, 0, 0, 0, 0, u.scratch(4)); } },
            {
              name: 'toucher',
              start: 1_000_000,
              *run({ u }) {
                const handle = yield* open(u);
                yield* u.DeviceIoControl(handle, TOUCH, 0, 0, 0, 0, u.scratch(4));
                yield* u.DeviceIoControl(handle, RELEASE, 0, 0, 0, 0, u.scratch(4));
              },
            },
          ],
        },
      ],
    });
    const simulation = createSimulation(spec, { record: false, patches: true, strategy: 'first-come' });
    simulation.snapshot();
    let touched = false;
    while (simulation.step()) {
      const state = simulation.snapshot().state;
      expect(state).toEqual(simulation.inspect());
      touched ||= irpsOf(state).some((irp) => irp.information === 7);
    }
    expect(touched).toBe(true); // the held IRP was seen with the value the driver wrote
  });
});

/**
 * IRPs held and completed across several pages of the IRP table (IRP_PAGE_SIZE ids each):
 * pages appear as ids reach them, and go when their last IRP does (the held ones are
 * cancelled at the close). Every snapshot equals a full read; patches go both ways.
 */
describe('the IRP table across its pages', () => {
  const held = IRP_PAGE_SIZE + 40;
  const calls = IRP_PAGE_SIZE + 60;
  const yaml = `name: pages
description: ${held} IOCTLs held, then ${calls} synchronous ones, then the held ones cancelled
drivers:
${HOLD_DRIVER}processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Hold', overlapped: true, as: held }
          - repeat: ${held}
            actions:
              - { ioctl: IOCTL_HOLD, handle: held, overlapped: true }
          - { open: '\\\\.\\Hold', as: now }
          - repeat: ${calls}
            actions:
              - { ioctl: IOCTL_NOW, handle: now }
          - { close: now }
          - { close: held }
`;

  it('every snapshot equals a full read, with patches both ways, as pages come and go', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 5, max: 60 }), { minLength: 1, maxLength: 6 }), (gaps) => {
        const simulation = createSimulation(yaml, { file: 'pages.yaml', record: false, patches: true });
        let pages: string[] = [];
        const seen = new Set<string>();
        snapshotToEnd(simulation, gaps, (state) => {
          pages = Object.keys(state.irps);
          for (const page of pages) seen.add(page);
        });
        expect(simulation.result().passed).toBe(true);
        expect(seen.size).toBeGreaterThanOrEqual(2); // the run went past one page
        expect(pages).toEqual([]); // and every page went with its last IRP
      }),
      { numRuns: 2, examples: [[[37, 5]]] },
    );
  });
});
