import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario, type LoadError } from '../src/index.ts';

function load(text: string) {
  const loaded = loadScenario(text, { file: 'run.yaml' });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
  return loaded.scenario;
}

function run(text: string) {
  const simulation = new Simulation(load(text));
  const result = simulation.run();
  const failed = result.expectations.filter((e) => !e.passed).map((e) => `${e.description}: wanted ${String(e.expected)}, got ${String(e.actual)}`);
  return { result, failed, simulation };
}

function errors(text: string): LoadError[] {
  const loaded = loadScenario(text, { file: 'run.yaml' });
  return loaded.ok ? [] : [...loaded.errors];
}

/** An app that leaves a pended read and two handles behind (the queue driver pends reads until told). */
const LEAVES = (extra: string, expectFinal: string) => `name: final-state
description: what a run leaves behind
${extra}drivers:
  - use: queue
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Queue', overlapped: true, as: q }
          - { create-event: ~, manual: true, as: ev }
          - { set-event: ev }
          - read: q
            output: { size: 8 }
            overlapped: { as: ov }
            expect: { error: ERROR_IO_PENDING }
          - { sleep: 1 }
expect:
  final:
${expectFinal}
`;

describe('run-level final state: expect.final (docs/scenario-format.md §3.5)', () => {
  it('IO-6.5, IO-9.5 a process is read when its last thread ends, before its exit closes what it left open; its pended read is cancelled by then', () => {
    const { result, failed } = run(LEAVES('', '    irpsPending: 0\n    openHandles: { app: 2 }\n    signalled: { ev: true }'));
    expect(failed).toEqual([]);
    expect(result.expectations.map((e) => e.description)).toEqual(expect.arrayContaining(['run: final IRPs pending', 'run: final open handles of app', 'run: final state of app/ev']));
  });

  it('wrong final expectations fail, each saying what the run left', () => {
    const { result, failed } = run(LEAVES('', '    openHandles: { app: 0 }\n    signalled: { app/ev: false }'));
    expect(result.passed).toBe(false);
    expect(failed).toEqual(['run: final open handles of app: wanted 0, got 2', 'run: final state of app/ev: wanted not signalled, got signalled']);
  });

  it('a run ended by until leaves the read pending: irpsPending counts it, and the unfinished thread is not a failure', () => {
    const { result, failed } = run(LEAVES('machine:\n  until: { event: io.irp.pending }\n', '    irpsPending: 1\n    openHandles: { app: 2 }'));
    expect(failed).toEqual([]);
    expect(result.outcome).toBe('completed');
    expect(result.reason).toBe('the until condition held');
  });

  it('final names are checked when the file loads, with positions and hints', () => {
    const bad = errors(LEAVES('', '    irpsPendng: 0\n    openHandles: { apq: 0 }\n    signalled: { evv: true }'));
    expect(bad.map((e) => [e.line, e.message, e.hint])).toEqual([
      [20, expect.stringContaining('irpsPendng'), expect.stringContaining('irpsPending')],
      [21, "no process named 'apq'", "did you mean 'app'?"],
      [22, "no action names a handle 'evv'", "did you mean 'ev'?"],
    ]);
  });
});

const SLEEPER = (until: string) => `name: until-time
description: the run ends at a time
machine:
  until: ${until}
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { create-event: ~, as: ev }
          - { sleep: 2ms }
          - { set-event: ev, note: 'after 2 ms', expect: { signalled: { ev: true } } }
          - { sleep: 20ms }
          - { set-event: ev, note: 'never: the run ended', expect: { returns: false } }
`;

describe('machine.until and machine.cpus (docs/scenario-format.md §3.5)', () => {
  it('until: { time } ends the run as completed once simulated time reaches it; the actions after that point never run', () => {
    const { result, failed, simulation } = run(SLEEPER('{ time: 10ms }'));
    expect(failed).toEqual([]);
    expect(result.outcome).toBe('completed');
    expect(result.reason).toBe('the until condition held');
    const notes = simulation.events.filter((e) => e.type === 'scenario.note').map((e) => (e as unknown as { text: string }).text);
    expect(notes).toEqual(['after 2 ms']);
    expect(simulation.now).toBeGreaterThanOrEqual(10_000_000);
  });

  it('without until the same thread runs to its end (and its last expectation fails)', () => {
    const { result, failed } = run(SLEEPER('{ event: sim.bugcheck }'));
    expect(result.reason).toBe('every user thread has finished');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/set-event ev: returns: wanted FALSE, got TRUE/);
  });

  it('until: { event, count } stops after the count-th event of that type', () => {
    const { result, failed, simulation } = run(SLEEPER('{ event: win32.return, count: 3 }'));
    expect(failed).toEqual([]);
    expect(result.reason).toBe('the until condition held');
    // CreateEvent, Sleep, SetEvent: the second Sleep never starts.
    expect(simulation.events.filter((e) => e.type === 'win32.return')).toHaveLength(3);
    expect(simulation.now).toBeLessThan(10_000_000);
  });

  it('until is checked when the file loads', () => {
    expect(errors(SLEEPER('{ event: io.irp.finnish }')).map((e) => [e.line, e.message, e.hint])).toEqual([[4, "no trace event type 'io.irp.finnish'", "did you mean 'io.irp.finish'?"]]);
    expect(errors(SLEEPER('{ event: timer.fire, time: 1ms }')).map((e) => e.message)).toEqual(['give one of event or time, not both']);
    expect(errors(SLEEPER('{}')).map((e) => e.message)).toEqual(['until needs an event (with a count) or a time']);
    expect(errors(SLEEPER('{ tme: 1ms }'))[0]!.hint).toContain('time');
  });

  it('cpus sets the number of processors (default 2)', () => {
    const spec = (cpus: string) => load(`name: cpus\ndescription: x\n${cpus}processes:\n  - name: app\n    threads:\n      - name: main\n        actions:\n          - { sleep: 0 }\n`);
    expect(new Simulation(spec('machine:\n  cpus: 4\n')).machine.cpus.cpus).toHaveLength(4);
    expect(new Simulation(spec('machine:\n  cpus: 1\n')).machine.cpus.cpus).toHaveLength(1);
    expect(new Simulation(spec('')).machine.cpus.cpus).toHaveLength(2);
    expect(errors(`name: cpus\ndescription: x\nmachine:\n  cpus: 0\nprocesses:\n  - name: app\n    threads:\n      - name: main\n        actions: []\n`).map((e) => e.line)).toEqual([4]);
  });
});
