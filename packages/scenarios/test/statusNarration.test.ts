import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario, renderText } from '../src/index.ts';

/** A scenario whose calls fail in four ways: each narrated line shows the status and the error made of it. */
const SCENARIO = `name: failing-calls
description: failures, as the narration shows them
seed: 1
drivers:
  - use: hello
processes:
  - name: app
    threads:
      - name: main
        actions:
          - open: '\\\\.\\NoSuchDevice'
            expect: { handle: invalid, error: ERROR_FILE_NOT_FOUND }
          - open: '\\\\.\\Hello'
            as: hello
          - ioctl: IOCTL_HELLO_ECHO
            handle: hello
            input: { text: 'Hello, kernel' }
            output: { size: 4 }
            expect: { returns: false, error: ERROR_INSUFFICIENT_BUFFER }
          - ioctl: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
            handle: hello
            output: { size: 4 }
            expect: { returns: false, error: ERROR_INVALID_FUNCTION }
          - { create-section: ~, size: 0x20000, as: section }
          - map-view: section
            offset: 4096
            expect: { returns: false, error: ERROR_MAPPED_ALIGNMENT }
          - close: hello
expect:
  outcome: completed
`;

describe('statuses in the narration (io-semantics.md IO-8.3)', () => {
  it('a failed call reads "STATUS_X (0x…) → ERROR_Y (n)": the status the system call returned and the Win32 error kernel32 made of it', () => {
    const loaded = loadScenario(SCENARIO, { file: 'failing-calls.yaml' });
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    const simulation = new Simulation(loaded.scenario);
    const result = simulation.run();
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    const text = renderText(result, simulation.events);
    expect(text).toContain('→ INVALID_HANDLE_VALUE; STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034) → ERROR_FILE_NOT_FOUND (2)');
    expect(text).toContain('→ FALSE; STATUS_BUFFER_TOO_SMALL (0xC0000023) → ERROR_INSUFFICIENT_BUFFER (122)');
    expect(text).toContain('→ FALSE; STATUS_INVALID_DEVICE_REQUEST (0xC0000010) → ERROR_INVALID_FUNCTION (1)');
    expect(text).toContain('→ NULL; STATUS_MAPPED_ALIGNMENT (0xC0000220) → ERROR_MAPPED_ALIGNMENT (1132)');
    expect(text).toContain('→ handle 0x4\n');
    expect(text).not.toContain('GetLastError() = ');
  });
});
