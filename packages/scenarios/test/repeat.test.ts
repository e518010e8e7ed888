import { describe, expect, it } from 'vitest';
import { createSimulation, formatLoadError, loadScenario, renderText, runScenario } from '../src/index.ts';
import { HOLD_DRIVER } from './fixtures/holdDriver.ts';

const load = (text: string) => loadScenario(text, { file: 'r.yaml' });
const errorsOf = (text: string) => {
  const r = load(text);
  if (r.ok) throw new Error('expected errors');
  return r.errors.map(formatLoadError);
};
const run = (text: string) => {
  const r = load(text);
  if (!r.ok) throw new Error(r.errors.map(formatLoadError).join('\n'));
  const { result, events } = runScenario(r.scenario);
  return { result, events, text: renderText(result, events) };
};
const one = (actions: string, head = '') => `name: r
description: repeat
${head}processes:
  - name: app
    threads:
      - name: main
        actions:
${actions}`;

describe('repeat: N runs nested actions N times in the same thread', () => {
  it('runs the list N times, in order, in the same thread', () => {
    const { result, events } = run(
      one(`          - { create-semaphore: ~, initial: 0, maximum: 10, as: s }
          - repeat: 3
            actions:
              - release-semaphore: s
              - { sleep: 0 }
          - { wait: s, timeout: 0, expect: { returns: WAIT_OBJECT_0 } }
          - { wait: s, timeout: 0, expect: { returns: WAIT_OBJECT_0 } }
          - { wait: s, timeout: 0, expect: { returns: WAIT_OBJECT_0 } }
          - { wait: s, timeout: 0, expect: { returns: WAIT_TIMEOUT } }
`),
    );
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    const calls = events.filter((e) => e.type === 'win32.call').map((e) => [e.actor, (e as { api: string }).api]);
    expect(calls.filter(([, api]) => api === 'ReleaseSemaphore' || api === 'Sleep')).toEqual([
      ['app/main', 'ReleaseSemaphore'],
      ['app/main', 'Sleep'],
      ['app/main', 'ReleaseSemaphore'],
      ['app/main', 'Sleep'],
      ['app/main', 'ReleaseSemaphore'],
      ['app/main', 'Sleep'],
    ]);
  });

  it('a counter (as: i) is usable in offsets, texts and notes, and names the iteration in checks', () => {
    const { result, text } = run(
      one(
        `          - { alloc: ring, size: 32 }
          - repeat: ITEMS
            as: i
            actions:
              - write-memory: ring
                offset: (i % 4) * 8
                text: 'item ${'${i}'}'
                note: slot ${'${i % 4}'}
          - { read-memory: ring, offset: 0, expect: { bytes: { text: 'item 4' } } }
          - { read-memory: ring, offset: 8, expect: { bytes: { text: 'item 5' } } }
          - { read-memory: ring, offset: 16, expect: { bytes: { text: 'item 2' } } }
          - repeat: 2
            as: k
            actions:
              - { read-memory: ring, offset: k * 8 + 16, expect: { bytes: { text: 'item ${'${k + 2}'}' } } }
`,
        'values:\n  ITEMS: 6\n',
      ),
    );
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    expect(text).toContain('✎ slot 1');
    expect(text).toContain('✓ app/main #6 repeat 2 → #1 read-memory ring: bytes (k = 1): "item 3"');
  });

  it('nests, with one counter each', () => {
    const { result } = run(
      one(`          - { alloc: grid, size: 6 }
          - repeat: 2
            as: row
            actions:
              - repeat: 3
                as: col
                actions:
                  - { write-memory: grid, offset: row * 3 + col, text: '${'${row * 3 + col}'}' }
          - { read-memory: grid, expect: { bytes: { text: '012345' } } }
`),
    );
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
  });

  it('nested actions are checked like any others, at their own positions', () => {
    expect(
      errorsOf(
        one(`          - repeat: 2
            as: i
            actions:
              - { wait: nothing }
              - { opne: x }
              - { sleep: i }
          - repeat: 2
            as: i
            actions:
              - repeat: 2
                as: i
                actions: []
              - exit-process: 0
          - { sleep: 1, note: 'x ${'${j}'}' }
`),
      ),
    ).toEqual([
      "r.yaml:11:25: error: no handle named 'nothing' in this process: name one with 'as:' on an action that returns a handle",
      "r.yaml:12:19: error: unknown action 'opne' (did you mean 'open'?)",
      'r.yaml:13:26: error: a repeat counter (i) cannot be used here: this value is fixed when the action is prepared',
      "r.yaml:18:21: error: the counter 'i' is already the counter of an enclosing repeat (give this one another name)",
      'r.yaml:20:31: error: exit-process inside a repeat ends the thread in the first iteration: the others never run (put it after the repeat)',
      "r.yaml:21:31: error: unknown value 'j'",
    ]);
  });

  it('a counter is not visible outside its repeat, nor in a thread spawned inside it', () => {
    expect(
      errorsOf(
        one(`          - { alloc: b, size: 8 }
          - repeat: 2
            as: i
            actions:
              - spawn: w
                actions:
                  - { write-memory: b, offset: i, text: 'x' }
          - { write-memory: b, offset: i, text: 'y' }
`),
      ),
    ).toEqual(["r.yaml:14:48: error: unknown value 'i'", "r.yaml:15:40: error: unknown value 'i'"]);
  });

  it('a thread stuck inside a repeat is reported with its iteration', () => {
    const { result } = run(`name: r
description: stuck
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { create-semaphore: ~, initial: 2, maximum: 2, as: s }
          - spawn: worker
            actions:
              - repeat: 5
                as: i
                actions:
                  - wait: s
          - sleep: 1
          - exit-process: 0
`);
    expect(result.expectations.filter((e) => !e.passed).map((e) => e.actual)).toEqual([
      'app/worker did not finish #1 repeat 5 (line 11), stopped in iteration 3 of 5 (i = 2) at #1 wait s (line 14): its process exited with STATUS_SUCCESS (0x00000000)',
    ]);
  });
});

describe('a long repeat of calls costs no address space per call', () => {
  // The regions of app's address space after `n` IOCTLs with no buffers: *lpBytesReturned is
  // the program's own stack local (Win32.programLocal), not fresh memory per call; fresh memory
  // per call filled the 2 GiB after about 32,000 calls and killed the process.
  const regionsAfter = (n: number): number => {
    const simulation = createSimulation(`name: r
description: repeat of IOCTLs
drivers:
${HOLD_DRIVER}processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Hold', as: h }
          - repeat: ${n}
            actions:
              - { ioctl: IOCTL_NOW, handle: h, expect: { bytes: 0 } }
          - { read: h, expect: { error: ERROR_INVALID_FUNCTION } }
`);
    const result = simulation.run();
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    return simulation.machine.processes.find((p) => p.name === 'app')!.space.regions.size;
  };

  it('leaves as many regions after 40 IOCTLs as after 2', () => {
    expect(regionsAfter(40)).toBe(regionsAfter(2));
  });
});
