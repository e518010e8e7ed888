import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario } from '../src/index.ts';

/** Loads and runs a scenario; the failed expectations, by description. */
function run(text: string): { failed: string[]; passed: boolean; count: number } {
  const loaded = loadScenario(text, { file: 'events.yaml' });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
  const result = new Simulation(loaded.scenario).run();
  return { failed: result.expectations.filter((e) => !e.passed).map((e) => `${e.description}: wanted ${e.expected}, got ${e.actual}`), passed: result.passed, count: result.expectations.length };
}

const EVENTS = (pulseAfter: boolean) => `name: event-state
description: the state of events after set, reset, pulse and waits
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { create-event: ~, manual: true, as: manual }
          - { create-event: ~, manual: false, as: auto }
          - { set-event: manual, expect: { returns: true, signalled: { manual: true, auto: false } } }
          - { wait: manual, timeout: 0, expect: { returns: WAIT_OBJECT_0, signalled: { manual: true } } }
          - { reset-event: manual, expect: { returns: true, signalled: { manual: false } } }
          - { set-event: auto, expect: { signalled: { auto: true } } }
          - { wait: auto, timeout: 0, expect: { returns: WAIT_OBJECT_0, signalled: { auto: false } } }
          - { pulse-event: manual, expect: { returns: true, signalled: { manual: ${pulseAfter} } } }
          - spawn: waiter
            as: w
            actions:
              - { wait: auto, expect: { returns: WAIT_OBJECT_0, signalled: { auto: false } } }
          - { sleep: 1 }
          - { set-event: auto, expect: { returns: true, signalled: { auto: false } } }
          - { wait: w, expect: { returns: WAIT_OBJECT_0 } }
          - spawn: pulsed
            as: p
            actions:
              - { wait: manual, expect: { returns: WAIT_OBJECT_0 } }
          - { sleep: 1 }
          - { pulse-event: manual, expect: { returns: true, signalled: { manual: ${pulseAfter} } } }
          - { wait: p, timeout: 100, expect: { returns: WAIT_OBJECT_0 } }
          - { create-semaphore: ~, initial: 0, maximum: 2, as: sem }
          - { release-semaphore: sem, expect: { returns: true, signalled: { sem: true } } }
          - { wait-any: [auto, sem], timeout: 0, expect: { returns: 1, signalled: { sem: false } } }
`;

describe('signalled after event actions and waits (docs/scenario-format.md §4.1)', () => {
  it('VO-C12, IO-7.3 set leaves a manual event set, a satisfied wait resets an auto-reset one, a waiter consumes a set, PulseEvent releases the waiters and leaves the event reset', () => {
    const r = run(EVENTS(false));
    expect(r.failed).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.count).toBeGreaterThanOrEqual(20);
  });

  it('VO-C12 a pulsed event is never left signalled: expecting it fails at both pulses', () => {
    const r = run(EVENTS(true));
    expect(r.passed).toBe(false);
    expect(r.failed).toHaveLength(2);
    expect(r.failed.every((f) => f.includes('pulse-event') && f.includes('wanted signalled, got not signalled'))).toBe(true);
  });

  it('a signalled expectation naming no handle is a positioned load error', () => {
    const text = `name: bad
description: x
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { create-event: ~, as: ev }
          - { set-event: ev, expect: { signalled: { evv: true } } }
`;
    const r = loadScenario(text, { file: 'bad.yaml' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 9 });
    expect(r.errors[0]!.message).toContain('evv');
  });
});
