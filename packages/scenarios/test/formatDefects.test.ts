import { describe, expect, it } from 'vitest';
import { builtInValues, formatLoadError, loadScenario, NamedValues, renderText, runScenario, type ScenarioResult } from '../src/index.ts';
import { win32ErrorName } from '../src/format/NamedValues.ts';

/** The reported defects of the scenario format, one describe block each (see docs/scenario-format.md). */

const load = (text: string) => loadScenario(text, { file: 's.yaml' });
const errorsOf = (text: string): string[] => {
  const r = load(text);
  if (r.ok) throw new Error('expected errors, the file loaded');
  return r.errors.map(formatLoadError);
};
const run = (text: string): { result: ScenarioResult; text: string } => {
  const r = load(text);
  if (!r.ok) throw new Error(r.errors.map(formatLoadError).join('\n'));
  const { result, events } = runScenario(r.scenario);
  return { result, text: renderText(result, events) };
};
const failed = (result: ScenarioResult) => result.expectations.filter((e) => !e.passed);

/** A scenario with one thread of the given actions (indented for `actions:`), after `head`. */
const scenario = (actions: string, head = '', tail = '') => `name: t
description: A test
drivers:
  - use: hello
${head}processes:
  - name: app
    threads:
      - name: main
        actions:${actions === '' ? ' []\n' : `\n${actions}`}${tail}`;

describe('1. a ctlCode with a missing field', () => {
  it('is a positioned schema error, not a crash', () => {
    const errors = errorsOf(`name: t
description: d
values:
  IOCTL_X:
    ctlCode: { deviceType: FILE_DEVICE_UNKNOWN, method: METHOD_BUFFERED, access: FILE_ANY_ACCESS }
processes:
  - name: app
    threads: [{ name: main, actions: [] }]
`);
    expect(errors).toEqual(["s.yaml:5:14: error: missing required key 'function'"]);
  });

  it('a field out of its range is an error at the field, in both forms', () => {
    const errors = errorsOf(`name: t
description: d
values:
  A: { ctlCode: { deviceType: 0x22, function: 0x1000, method: 0, access: 0 } }
  B: CTL_CODE(0x22, 0x800, 4, 0)
processes:
  - name: app
    threads: [{ name: main, actions: [] }]
`);
    expect(errors).toEqual([
      's.yaml:4:47: error: the CTL_CODE field function is 12 bits wide (0 … 0xFFF); 0x1000 does not fit',
      's.yaml:5:6: error: the CTL_CODE field method is 2 bits wide (0 … 0x3); 0x4 does not fit',
    ]);
  });
});

describe('2. YAML syntax errors', () => {
  it('are reported at their real line and column', () => {
    expect(errorsOf(scenario(`          - open: "\\\\.\\Hello"\n`))).toEqual([
      "s.yaml:10:23: error: Invalid escape sequence \\H (in double quotes \\ starts an escape: write Windows names in single quotes, '\\\\.\\Hello')",
    ]);
    expect(errorsOf('name: x\ndescription: y\nprocesses:\n  - name: a\n   threads: []\n')[0]).toMatch(/^s\.yaml:5:\d+: error: /);
    expect(errorsOf('name: x\ndescription: [unclosed\n')[0]).not.toMatch(/^s\.yaml:1:1:/);
  });
});

describe('3. note: on an action', () => {
  it('is narrated where the action runs', () => {
    const { text } = run(
      scenario(`          - { open: '\\\\.\\Hello', as: h }
          - close: h
            note: closing the last handle sends CLEANUP, then CLOSE
`),
    );
    const lines = text.split('\n');
    const note = lines.findIndex((l) => l.includes('✎ closing the last handle sends CLEANUP, then CLOSE'));
    expect(note).toBeGreaterThan(lines.findIndex((l) => l.includes('CreateFile(')));
    expect(note).toBe(lines.findIndex((l) => l.includes('CloseHandle(')) - 1);
  });
});

describe('4. output expectations that cannot be checked', () => {
  it('are load errors when the output is missing, NULL or a kernel address', () => {
    const ioctl = (output: string) => `          - { open: '\\\\.\\Hello', as: h }
          - ioctl: IOCTL_HELLO_ECHO
            handle: h
            input: { text: 'abc' }
${output}            expect: { output: { text: 'abc' } }
`;
    expect(errorsOf(scenario(ioctl('')))).toEqual([
      's.yaml:14:31: error: cannot check the output: there is no buffer (NULL) (give the ioctl an output buffer, e.g. output: { size: 16 })',
    ]);
    expect(errorsOf(scenario(ioctl('            output: { address: 0, length: 16 }\n')))[0]).toMatch(/15:31: error: cannot check the output: the buffer is a NULL pointer/);
    expect(errorsOf(scenario(ioctl('            output: { address: 0x81000000, length: 16 }\n')))[0]).toMatch(
      /15:31: error: cannot check the output: the buffer is the kernel address 0x81000000, which user mode cannot read/,
    );
    expect(errorsOf(scenario(ioctl('            output: { size: 2 }\n')))[0]).toMatch(/15:31: error: the expected output is 3 bytes, but the output buffer passes only 2/);
  });

  it('fail, saying why, when the buffer is unreadable at run time', () => {
    const { result } = run(
      scenario(
        `          - { open: '\\\\.\\Hello', as: h }
          - ioctl: IOCTL_HELLO_ECHO
            handle: h
            input: { text: 'abc' }
            output: { buffer: locked }
            expect: { returns: false, output: { text: 'abc' } }
`,
        '',
      ).replace('    threads:', '    buffers:\n      locked: { size: 16, protection: PAGE_NOACCESS }\n    threads:'),
    );
    expect(result.passed).toBe(false);
    expect(failed(result)).toEqual([
      expect.objectContaining({ description: 'app/main #2 ioctl IOCTL_HELLO_ECHO: output buffer', actual: expect.stringMatching(/nothing to compare: the output buffer at 0x[0-9A-F]+ is not readable in user mode/) }),
    ]);
  });
});

describe('5. buffer specs', () => {
  const withBuffer = (input: string) =>
    scenario(`          - { open: '\\\\.\\Hello', as: h }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: ${input}, output: { size: 64 } }
`).replace('    threads:', '    buffers:\n      reply: { size: 32 }\n    threads:');

  it('an offset past the end of a named buffer is an error at the offset', () => {
    expect(errorsOf(withBuffer('{ buffer: reply, offset: 40 }'))).toEqual([
      "s.yaml:13:83: error: offset 40 is past the end of 'reply' (32 bytes) (an offset from 0 to 32)",
    ]);
  });

  it('{ buffer, text } is an error at text, not silently the buffer', () => {
    expect(errorsOf(withBuffer("{ buffer: reply, text: 'abc' }"))).toEqual([
      "s.yaml:13:81: error: a named buffer is passed as it is: 'text' does not apply to it (write into it first with write-memory)",
    ]);
  });

  it('{ address } without a length is an error', () => {
    expect(errorsOf(withBuffer('{ address: 0x81000000 }'))).toEqual([
      's.yaml:13:58: error: a raw address needs `length`: the length the program passes with it (for a NULL pointer with no length write null)',
    ]);
  });

  it('{ text, length, fill } pads the text with fill, as documented', () => {
    const { result } = run(
      scenario(`          - { open: '\\\\.\\Hello', as: h }
          - ioctl: IOCTL_HELLO_ECHO
            handle: h
            input: { text: 'ab', length: 4, fill: 0x7A }
            output: { size: 8 }
            expect: { bytes: 4, output: { text: 'abzz' } }
`),
    );
    expect(failed(result)).toEqual([]);
  });
});

describe('6. every thread must finish its actions', () => {
  const dies = `name: t
description: A process killed early
processes:
  - name: curious
    threads:
      - name: main
        actions:
          - { read-memory: 0x81000000, length: 4 }
          - sleep: 1
`;

  it('a process killed early fails the run, naming the thread, the first action not run and how its process ended', () => {
    const { result } = run(dies);
    expect(result.passed).toBe(false);
    expect(failed(result)).toEqual([
      {
        description: 'run: every thread finished its actions',
        expected: 'every thread reaches the end of its actions',
        actual: 'curious/main did not finish #1 read-memory 0x81000000 (line 8), and the action after it never ran: its process exited with STATUS_ACCESS_VIOLATION (0xC0000005)',
        passed: false,
      },
    ]);
  });

  it('is excused by the expected exit status, or by expect.unfinished', () => {
    expect(run(`${dies}expect:\n  processes: { curious: { exitStatus: STATUS_ACCESS_VIOLATION } }\n`).result.passed).toBe(true);
    expect(run(`${dies}expect:\n  unfinished: [curious/main]\n`).result.passed).toBe(true);
    expect(errorsOf(`${dies}expect:\n  unfinished: [curious/mian]\n`)).toEqual(["s.yaml:11:16: error: no thread 'curious/mian': name a thread as process/thread (did you mean 'curious/main'?)"]);
  });

  it('a spawned thread cut off by exit-process is reported; the exiting thread is not', () => {
    const { result } = run(`name: t
description: d
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { create-event: ~, as: ev }
          - spawn: worker
            actions:
              - wait: ev
              - sleep: 1
          - sleep: 1
          - exit-process: 0
`);
    expect(failed(result).map((e) => e.actual)).toEqual(['app/worker did not finish #1 wait ev (line 11), and the action after it never ran: its process exited with STATUS_SUCCESS (0x00000000)']);
  });

  it('an action after exit-process is an error: it could never run', () => {
    expect(errorsOf(scenario('          - exit-process: 0\n          - sleep: 1\n'))).toEqual([
      's.yaml:11:13: error: this action never runs: the exit-process above it (line 10) ends the thread (exit-process must be the last action of its list)',
    ]);
  });
});

describe('7. returns / error / status on actions that are not API calls', () => {
  it('are load errors on write-memory, read-memory and exit-process', () => {
    const errors = errorsOf(
      scenario(`          - { alloc: page, size: 8 }
          - { write-memory: page, text: 'x', expect: { returns: true } }
          - { read-memory: page, expect: { error: 5, bytes: { text: 'x' } } }
          - { exit-process: 0, expect: { status: STATUS_SUCCESS } }
`),
    );
    expect(errors).toEqual([
      "s.yaml:11:56: error: unknown key 'returns': write-memory is not an API call, so it has no return value, last error or status to check",
      "s.yaml:12:44: error: unknown key 'error': read-memory is not an API call, so it has no return value, last error or status to check (it can expect: bytes)",
      "s.yaml:13:42: error: unknown key 'status': exit-process is not an API call, so it has no return value, last error or status to check",
    ]);
  });
});

describe('8. one spelling for page protections', () => {
  it('protection everywhere; the old keys are errors with a did-you-mean', () => {
    const errors = errorsOf(
      scenario(`          - { alloc: page, size: 8 }
          - { protect: page, to: PAGE_READONLY }
          - { create-section: ~, readonly: true, as: s }
          - { map-view: s, writable: false }
`).replace('    threads:', '    buffers:\n      reply: { size: 32, protect: PAGE_READONLY }\n    threads:'),
    );
    expect(errors).toEqual([
      "s.yaml:8:26: error: 'protect' is the old name of this key: it is now 'protection' (did you mean 'protection'?)",
      "s.yaml:13:30: error: 'to' is the old name of this key: it is now 'protection' (did you mean 'protection'?)",
      "s.yaml:14:34: error: 'readonly' is the old name of this key: it is now 'protection' (did you mean 'protection: PAGE_READONLY'?)",
      "s.yaml:15:28: error: 'writable' is the old name of this key: it is now 'access' (did you mean 'access: FILE_MAP_READ' (or FILE_MAP_WRITE, the default)?)",
    ]);
  });

  it('protection works on buffers, alloc, protect and sections', () => {
    const { result } = run(
      scenario(`          - { open: '\\\\.\\Hello', as: h }
          - { alloc: page, size: 8, protection: PAGE_READONLY }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: { text: 'a' }, output: { buffer: page }, expect: { error: ERROR_NOACCESS } }
          - { protect: page, protection: PAGE_READWRITE, expect: { returns: true } }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: { text: 'a' }, output: { buffer: page }, expect: { returns: true } }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: { text: 'a' }, output: { buffer: ro }, expect: { error: ERROR_NOACCESS } }
          - { create-section: ~, protection: PAGE_READONLY, as: s }
          - { map-view: s, access: FILE_MAP_WRITE, expect: { returns: false, status: STATUS_SECTION_PROTECTION } }
          - { map-view: s, access: FILE_MAP_READ, expect: { returns: true } }
`).replace('    threads:', '    buffers:\n      ro: { size: 8, protection: PAGE_READONLY }\n    threads:'),
    );
    expect(failed(result)).toEqual([]);
  });
});

describe('9. times have one syntax: a bare number is milliseconds, or give a unit', () => {
  const startOf = (start: string) => {
    const r = load(`name: t\ndescription: d\nprocesses:\n  - name: app\n    threads:\n      - { name: main, start: ${start}, actions: [] }\n`);
    if (!r.ok) throw new Error(r.errors.map(formatLoadError).join('\n'));
    return r.scenario.processes[0]!.threads[0]!.start;
  };

  it('thread start: 5us, 2ms, 2 (milliseconds), 1s', () => {
    expect([startOf('5us'), startOf('5µs'), startOf('2ms'), startOf('2'), startOf('1s'), startOf('250ns')]).toEqual([5_000, 5_000, 2_000_000, 2_000_000, 1_000_000_000, 250]);
  });

  it('the thread really starts then', () => {
    const r = load(`name: t\ndescription: d\nprocesses:\n  - name: app\n    threads:\n      - { name: main, start: 7us, actions: [{ sleep: 0 }] }\n`);
    if (!r.ok) throw new Error('load failed');
    const { events } = runScenario(r.scenario);
    expect(events.find((e) => e.type === 'win32.call')?.t).toBe(7_000);
  });

  it('sleep and timeout take the same syntax, in whole milliseconds; budgets too', () => {
    expect(run(scenario('          - sleep: 1s\n          - { create-event: ~, as: ev }\n          - { wait: ev, timeout: 2ms, expect: { returns: WAIT_TIMEOUT } }\n')).result.passed).toBe(true);
    expect(errorsOf(scenario('          - sleep: 500us\n'))).toEqual(['s.yaml:10:20: error: Sleep takes whole milliseconds: 500us is 0.5 ms (the Win32 API has no finer unit)']);
    expect(errorsOf(`name: t\ndescription: d\nprocesses:\n  - name: app\n    threads:\n      - { name: main, start: 5 parsecs, actions: [] }\n`)[0]).toMatch(/6:30: error: '5 parsecs' is not a time/);
    const r = load(scenario('          - sleep: 1\n', 'machine: { budget: { maxTime: 2ms, idle: 1s }, cost: { syscallEntry: 1us, copyPerByte: 0.5 } }\n'));
    if (!r.ok) throw new Error(r.errors.map(formatLoadError).join('\n'));
    expect(r.scenario.machine.budget).toEqual({ maxTimeNs: 2_000_000, idleNs: 1_000_000_000 });
    expect(r.scenario.machine.cost).toEqual({ syscallEntry: 1000, copyPerByte: 0.5 });
    expect(errorsOf(scenario('', 'machine: { budget: { maxTimeNs: 1000 } }\n'))[0]).toMatch(/'maxTimeNs' is the old name of this key: it is now 'maxTime'/);
  });
});

describe('10. two verbs in one list item', () => {
  it('give one error at the second verb, and nothing misleading', () => {
    expect(errorsOf(scenario(`          - { open: '\\\\.\\Hello', as: h }\n          - close: h\n            ioctl: IOCTL_HELLO_ECHO\n            handle: h\n`))).toEqual([
      "s.yaml:12:13: error: one action per list item: found `close` and `ioctl` (give `ioctl` its own '- ' item)",
    ]);
  });

  it('also inside nested lists', () => {
    expect(errorsOf(scenario('          - repeat: 2\n            actions:\n              - { sleep: 1, wait: h }\n          - { create-event: ~, as: h }\n'))).toEqual([
      "s.yaml:12:29: error: one action per list item: found `sleep` and `wait` (give `wait` its own '- ' item)",
    ]);
  });
});

describe('11. duplicates and shadowing are errors', () => {
  it('a key given twice is an error at the second, naming the first', () => {
    expect(errorsOf(scenario("          - open: '\\\\.\\Hello'\n            as: h\n            as: g\n"))).toEqual([
      "s.yaml:12:13: error: the key 'as' is given twice in this map (first at line 11) (YAML would silently keep only the last one: remove or rename one of them)",
    ]);
    expect(errorsOf("name: t\ndescription: d\nseed: 1\nseed: 2\nprocesses: []\n")[0]).toBe(
      "s.yaml:4:1: error: the key 'seed' is given twice in this map (first at line 3) (YAML would silently keep only the last one: remove or rename one of them)",
    );
  });

  it('a value of the scenario may not hide a built-in or driver name', () => {
    expect(errorsOf(scenario('', 'values:\n  STATUS_SUCCESS: 3\n  IOCTL_HELLO_ECHO: 0x222004\n'))).toEqual([
      "s.yaml:6:3: error: 'STATUS_SUCCESS' is already a built-in name (0x0) (choose another name: a value of your own may not hide a Windows name)",
      "s.yaml:7:3: error: 'IOCTL_HELLO_ECHO' is already defined by the driver 'hello' (0x222000) (use the driver's value, or choose another name)",
    ]);
  });

  it('a value used above its definition says where it is', () => {
    expect(errorsOf(scenario('', 'values:\n  A: B | 1\n  B: 2\n'))).toEqual([
      "s.yaml:6:6: error: unknown value 'B' (B is defined further down, at line 7: a value may use only built-in names, driver values and the values above it)",
    ]);
  });
});

describe('12. built-in names are the real Windows names', () => {
  const v = builtInValues();

  it('no accidental names', () => {
    for (const name of ['FILE_ANY', 'FILE_SPECIAL', 'FILE_READ', 'FILE_WRITE', 'ERROR_WAIT_TIMEOUT']) expect(v.has(name), name).toBe(false);
    expect(new NamedValues().evaluate('ERROR_WAIT_TIMEOUT')).toEqual({ ok: false, message: "unknown value 'ERROR_WAIT_TIMEOUT'", hint: "did you mean 'WAIT_TIMEOUT'?" });
    expect(new NamedValues().evaluate('FILE_ANY')).toEqual({ ok: false, message: "unknown value 'FILE_ANY'", hint: "did you mean 'FILE_ANY_ACCESS'?" });
  });

  it('WAIT_TIMEOUT is 258, ERROR_TIMEOUT 1460; FILE_SHARE_* and FILE_MAP_* exist', () => {
    expect(Object.fromEntries(['WAIT_TIMEOUT', 'ERROR_TIMEOUT', 'FILE_SHARE_READ', 'FILE_SHARE_WRITE', 'FILE_SHARE_DELETE', 'FILE_MAP_READ', 'FILE_MAP_WRITE', 'FILE_MAP_COPY', 'FILE_MAP_ALL_ACCESS', 'FILE_ANY_ACCESS', 'FILE_READ_ACCESS'].map((n) => [n, v.get(n)]))).toEqual({
      WAIT_TIMEOUT: 258,
      ERROR_TIMEOUT: 1460,
      FILE_SHARE_READ: 1,
      FILE_SHARE_WRITE: 2,
      FILE_SHARE_DELETE: 4,
      FILE_MAP_READ: 4,
      FILE_MAP_WRITE: 2,
      FILE_MAP_COPY: 1,
      FILE_MAP_ALL_ACCESS: 0xf001f,
      FILE_ANY_ACCESS: 0,
      FILE_READ_ACCESS: 1,
    });
    expect(win32ErrorName(258)).toBe('WAIT_TIMEOUT');
    expect(win32ErrorName(1460)).toBe('ERROR_TIMEOUT');
  });

  it('expressions: arithmetic and CTL_CODE', () => {
    const values = new NamedValues();
    expect(values.evaluate('(7 % 4) * 8 + 1')).toEqual({ ok: true, value: 25 });
    expect(values.evaluate('GENERIC_READ | GENERIC_WRITE')).toEqual({ ok: true, value: 0xc0000000 });
    expect(values.evaluate('CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + 1, METHOD_BUFFERED, FILE_ANY_ACCESS)')).toEqual({ ok: true, value: 0x222004 });
    expect(values.evaluate('4 / 0')).toMatchObject({ ok: false, message: "'4 / 0': division by zero" });
  });
});

describe('13. map-view with size 0 maps the whole section from the offset', () => {
  it('the view buffer has the real size, not 4096', () => {
    const { result } = run(
      scenario(`          - { open: '\\\\.\\Hello', as: h }
          - { create-section: ~, size: 69632, as: big }
          - { map-view: big, as: whole }
          - { map-view: big, offset: 65536, as: tail }
          - { create-section: ~, size: 100, as: small }
          - { map-view: small, as: tiny }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: { buffer: whole }, output: { size: 69632 }, expect: { bytes: 69632 } }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: { buffer: tail }, output: { size: 8192 }, expect: { bytes: 4096 } }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: { buffer: tiny }, output: { size: 8192 }, expect: { bytes: 100 } }
`),
    );
    expect(failed(result)).toEqual([]);
  });

  it('an offset past a view’s end fails when the action runs (its size is known only then)', () => {
    const { result } = run(
      scenario(`          - { open: '\\\\.\\Hello', as: h }
          - { create-section: ~, size: 100, as: small }
          - { map-view: small, as: tiny }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: { buffer: tiny, offset: 200 }, output: { size: 16 } }
`),
    );
    expect(failed(result).map((e) => [e.description, e.actual])).toEqual([["app/main #4 ioctl IOCTL_HELLO_ECHO: input buffer", "offset 200 is past the end of 'tiny' (100 bytes)"]]);
  });
});

describe('15. sleep: 0 and the bytesReturned preset', () => {
  it('sleep: 0 is narrated as a yield that returns 0, not as WAIT_OBJECT_0', () => {
    const { text, result } = run(scenario('          - { sleep: 0, expect: { returns: 0, status: STATUS_SUCCESS } }\n'));
    expect(result.passed).toBe(true);
    expect(text).toContain('Sleep(0) — a yield: the thread gives up the rest of its time slice');
    expect(text).toContain('✓ app/main #1 sleep 0: returns: 0');
    expect(text).toContain('✓ app/main #1 sleep 0: NTSTATUS: STATUS_SUCCESS (0x00000000)');
    expect(text).not.toContain('WAIT_OBJECT_0');
  });

  it('bytes: unchanged shows the preset in hex', () => {
    const { text } = run(
      scenario(`          - { open: '\\\\.\\Hello', as: h }
          - ioctl: IOCTL_HELLO_ECHO
            handle: h
            input: { text: 'Hello, kernel' }
            output: { size: 4 }
            bytesReturned: { preset: 0xDEADF00D }
            expect: { bytes: unchanged }
`),
    );
    expect(text).toContain('✓ app/main #2 ioctl IOCTL_HELLO_ECHO: *lpBytesReturned: unchanged (0xDEADF00D)');
    expect(text).not.toContain('3735941133');
  });
});
