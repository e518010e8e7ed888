import fc from 'fast-check';

// W6's random scenarios: the shape of `packages/scenarios/test/scripts/generatedStack.ts`
// (a bottom driver, 0–3 pass-through filters, threads sending IOCTLs on their own handle)
// widened to the plan's size — up to 16 processes of one thread, up to 16 IOCTLs each —
// with random latencies (the bottom's timer, the threads' start times, the cost model's
// context switch and system-call entry). generatedStack.ts draws its own shape from a
// seed (1–3 threads, 1–3 calls) for the replay property; here fast-check draws the shape,
// so that it can shrink it.

/** The bottom of the stack. */
export type Bottom =
  /** Inline driver: completes every IOCTL at once. */
  | { readonly kind: 'complete' }
  /** Inline driver: queues every IOCTL; a timer completes the queue `latencyUs` later. */
  | { readonly kind: 'pend'; readonly latencyUs: number }
  /** The catalogue's `methods` (METHOD_BUFFERED echo), or its buggy twin for the seeded bug. */
  | { readonly kind: 'methods' };

export interface W6Shape {
  readonly bottom: Bottom;
  /** One entry per filter above the bottom: whether it sets a completion routine. */
  readonly filters: readonly boolean[];
  readonly cpus: number;
  readonly contextSwitchNs: number;
  readonly syscallEntryNs: number;
  /** One entry per process (one thread each): its start time and its IOCTLs' output sizes. */
  readonly processes: readonly { readonly startUs: number; readonly outputs: readonly number[] }[];
}

export interface W6Limits {
  readonly maxProcesses: number;
  readonly maxIrpsPerProcess: number;
}

/** The plan's limits: ≤ 16 processes, ≤ 16 IRPs each. */
export const W6_LIMITS: W6Limits = { maxProcesses: 16, maxIrpsPerProcess: 16 };

/**
 * Scenario shapes within the plan's limits: up to 16 processes and up to 16 IOCTLs per
 * process. Lengths are drawn short-biased so that a scenario has about 500 trace events on
 * average, as the plan asks: the process list is an `xsmall` (1–2) or a `small` (up to 16)
 * fast-check array, half and half; each process's list of IOCTLs an `xsmall` one three
 * times out of four, a `small` one otherwise — about 4 processes and 12 IRPs on average
 * (each process costs about 45 events of its own: creation, open, close, exit).
 */
export function w6Shape(limits: W6Limits = W6_LIMITS, bottoms: readonly Bottom['kind'][] = ['complete', 'pend', 'methods']): fc.Arbitrary<W6Shape> {
  const bottom: fc.Arbitrary<Bottom> = fc.constantFrom(...bottoms).chain((kind) =>
    kind === 'pend' ? fc.integer({ min: 1, max: 20 }).map((latencyUs) => ({ kind, latencyUs }) as const) : fc.constant({ kind } as Bottom),
  );
  const output = fc.integer({ min: 0, max: 128 });
  const process = fc.record({
    startUs: fc.integer({ min: 0, max: 50 }),
    outputs: fc.oneof(
      { weight: 3, arbitrary: fc.array(output, { minLength: 1, maxLength: limits.maxIrpsPerProcess, size: 'xsmall' }) },
      { weight: 1, arbitrary: fc.array(output, { minLength: 1, maxLength: limits.maxIrpsPerProcess, size: 'small' }) },
    ),
  });
  return fc.record({
    bottom,
    filters: fc.array(fc.boolean(), { maxLength: 3 }),
    cpus: fc.integer({ min: 1, max: 4 }),
    contextSwitchNs: fc.integer({ min: 0, max: 5000 }),
    syscallEntryNs: fc.integer({ min: 50, max: 500 }),
    processes: fc.oneof(
      fc.array(process, { minLength: 1, maxLength: limits.maxProcesses, size: 'xsmall' }),
      fc.array(process, { minLength: 1, maxLength: limits.maxProcesses, size: 'small' }),
    ),
  });
}

/** IRPs the shape's threads send (IOCTLs; each thread also opens and closes its handle). */
export function irpsOf(shape: W6Shape): number {
  return shape.processes.reduce((sum, p) => sum + p.outputs.length, 0);
}

/**
 * The scenario as YAML, what a user's property would write: inline drivers (docs/
 * scenario-format.md §5) or `- use: methods` (or `bugTwin`, a buggy catalogue twin of
 * it, for the seeded bug), filters attached above it, one process per entry.
 */
export function w6Yaml(shape: W6Shape, bugTwin: string | null = null): string {
  const b = shape.bottom;
  const device = b.kind === 'methods' ? '\\Device\\Methods' : '\\Device\\Gen';
  const open = b.kind === 'methods' ? '\\\\.\\Methods' : '\\\\.\\Gen';
  const code = b.kind === 'methods' ? 'IOCTL_METHODS_BUFFERED' : 'IOCTL_GEN';
  const bottom =
    b.kind === 'methods'
      ? `  - use: ${bugTwin ?? 'methods'}`
      : `  - name: gen
    device: '\\Device\\Gen'
    link: '\\DosDevices\\Gen'
    flags: [DO_BUFFERED_IO]
    values:
      IOCTL_GEN: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
    dispatch:
${
  b.kind === 'pend'
    ? `      IRP_MJ_CLEANUP:
        - { complete-queued: q, all: true, sameFile: true, status: STATUS_CANCELLED }
        - { complete: STATUS_SUCCESS }
      IOCTL_GEN:
        - timer: { after: ${b.latencyUs}us, then: [{ complete-queued: q, all: true, status: STATUS_SUCCESS }] }
        - { pend: q }`
    : `      IOCTL_GEN:
        - echo
        - { complete: STATUS_SUCCESS }`
}`;
  const filters = shape.filters.map((routine, i) => `  - name: filter${i}
    attach: '${device}'
    dispatch:
      device-control:
        - forward:${routine ? ` { completion: { then: [{ log: 'filter ${i} saw \${status}' }] } }` : ' {}'}`);
  const processes = shape.processes.map((p, i) => {
    const calls = p.outputs.map((size) => `          - { ioctl: ${code}, handle: h, input: { text: 'x' }, output: { size: ${size} } }`);
    return `  - name: app${i}
    threads:
      - name: main
        start: ${p.startUs}us
        actions:
          - { open: '${open}', as: h }
${calls.join('\n')}
          - { close: h }`;
  });
  return `name: w6-generated
description: A generated stack of depth ${1 + shape.filters.length} with ${shape.processes.length} processes
machine:
  cpus: ${shape.cpus}
  cost: { contextSwitch: ${shape.contextSwitchNs}, syscallEntry: ${shape.syscallEntryNs} }
drivers:
${bottom}
${filters.join('\n')}
processes:
${processes.join('\n')}
`;
}
