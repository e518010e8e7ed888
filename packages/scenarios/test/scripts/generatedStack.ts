// A random but correct device stack as an inline-driver scenario (docs/scenario-format.md §5),
// for the replay property: a bottom driver that completes at once or pends until a timer,
// 0–2 filters that forward with or without a completion routine, and 1–3 threads that each
// send a few IOCTLs on their own handle. Deterministic in `seed`.

/** A small deterministic generator (mulberry32): the script needs no engine PRNG. */
function generator(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

export function generatedStackYaml(seed: number): string {
  const pick = generator(seed);
  const flags = ['DO_BUFFERED_IO', 'DO_DIRECT_IO'][pick(2)];
  const pends = pick(2) === 1;
  const bottom = pends
    ? `        - timer: { after: ${1 + pick(5)}us, then: [{ complete-queued: q, all: true, status: STATUS_SUCCESS }] }
        - { pend: q }`
    : `        - { complete: STATUS_SUCCESS }`;
  const filters = Array.from({ length: pick(3) }, (_, i) => {
    const routine = pick(2) === 1 ? ` { completion: { then: [{ log: 'filter ${i} saw \${status}' }] } }` : ' {}';
    return `  - name: filter${i}
    attach: '\\Device\\Gen'
    dispatch:
      device-control:
        - forward:${routine}`;
  });
  const threads = Array.from({ length: 1 + pick(3) }, (_, t) => {
    const calls = Array.from({ length: 1 + pick(3) }, () => `          - { ioctl: IOCTL_GEN, handle: h, input: { text: 'x' }, output: { size: 4 } }`);
    return `      - name: t${t}
        actions:
          - { open: '\\\\.\\Gen', as: h }
${calls.join('\n')}
          - { close: h }`;
  });
  return `name: generated-stack-${seed}
description: A generated correct stack of depth ${1 + filters.length}
drivers:
  - name: gen
    device: '\\Device\\Gen'
    link: '\\DosDevices\\Gen'
    flags: [${flags}]
    values:
      IOCTL_GEN: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
    dispatch:
${pends ? `      IRP_MJ_CLEANUP:
        - { complete-queued: q, all: true, sameFile: true, status: STATUS_CANCELLED }
        - { complete: STATUS_SUCCESS }
` : ''}      IOCTL_GEN:
${bottom}
${filters.join('\n')}
processes:
  - name: app
    threads:
${threads.join('\n')}
`;
}
