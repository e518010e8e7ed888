import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario } from '../src/index.ts';

/** `unload-driver` (docs/scenario-format.md §3.3; io-manager unloadDriver.ts) with the catalogue's hello, whose DriverUnload deletes its link and device. */
const SCENARIO = `name: unload-hello
description: sc stop Hello while a handle is open, then after it closes
seed: 1
drivers:
  - use: hello
  - use: methods
processes:
  - name: app
    threads:
      - name: main
        actions:
          - open: '\\\\.\\Hello'
            as: h
          - unload-driver: Hello
            expect: { returns: true, status: STATUS_SUCCESS }
          - open: '\\\\.\\Hello'
            expect: { handle: invalid, status: STATUS_NO_SUCH_DEVICE, error: ERROR_FILE_NOT_FOUND }
          - { close: h, expect: { returns: true } }
          - open: '\\\\.\\Hello'
            expect: { handle: invalid, status: STATUS_OBJECT_NAME_NOT_FOUND, error: ERROR_FILE_NOT_FOUND }
          - unload-driver: Hello
            expect: { returns: false, status: STATUS_OBJECT_NAME_NOT_FOUND }
          - unload-driver: Methods
            expect: { returns: false, status: STATUS_INVALID_DEVICE_REQUEST, error: ERROR_INVALID_FUNCTION }
expect:
  outcome: completed
`;

describe('the unload-driver action', () => {
  it('IO-9.4 unload-driver defers hello’s DriverUnload until the open handle closes (CLEANUP, CLOSE, then DriverUnload); opens fail meanwhile and after; a driver without DriverUnload is refused', () => {
    const loaded = loadScenario(SCENARIO, { file: 'unload-hello.yaml' });
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    const simulation = new Simulation(loaded.scenario);
    const result = simulation.run();
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    expect(result.expectations.length).toBeGreaterThanOrEqual(14); // each listed expectation was evaluated
    expect(result.passed).toBe(true);
    // The order the mechanism is about: the request, the close's CLEANUP and CLOSE, then DriverUnload.
    const order = simulation.events.flatMap((e) => {
      if (e.type === 'io.driver.unload' && e.driver === 'Hello') return [`unload ${e.step}`];
      if (e.type === 'io.irp.alloc' && (e.major === 0x12 || e.major === 0x02)) return [e.major === 0x12 ? 'CLEANUP' : 'CLOSE'];
      if (e.type === 'io.device.delete' || e.type === 'io.symlink.delete') return [e.type];
      return [];
    });
    expect(order).toEqual(['unload pending', 'CLEANUP', 'CLOSE', 'unload invoked', 'io.symlink.delete', 'io.device.delete', 'unload unloaded']);
  });
});
