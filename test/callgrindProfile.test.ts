import { describe, expect, it } from 'vitest';
import { callgrindProfile } from '../bench/callgrindProfile.ts';

/** A callgrind file as valgrind writes it with --dump-instr=yes: compressed names, relative positions, call costs. */
const CALLGRIND = `# callgrind format
version: 1
positions: instr line
events: Ir

ob=(1) /usr/bin/node
fl=(1) ???
fn=(1) Builtins_StringEqual
0x5000 0 30
+4 0 10

ob=(2) ???
fl=(1)
fn=(2) 0x00000000a0000010
0xa0000010 0 7
+3 0 5
cfn=(1)
calls=2 0x5000
+2 0 80
+1 0 4
0xa0000100 0 11
fn=(3) 0x00000000a0000200
0xa0000200 0 9
`;

/** V8's --perf-basic-prof map: start, size (hex), name. */
const PERF_MAP = `a0000000 100 JS:*step file:///x/bundle.mjs:10:3
a0000100 80 JS:*runTask file:///x/bundle.mjs:20:3
`;

describe('instructions per function from callgrind and a perf map (bench/instructionCount.ts)', () => {
  const costs = callgrindProfile(CALLGRIND, PERF_MAP);

  it('names code from the perf map where it has an entry, else by the symbol callgrind knows', () => {
    expect(costs.get('Builtins_StringEqual')).toBe(40);
    expect(costs.get('JS:*step file:///x/bundle.mjs:10:3')).toBe(7 + 5 + 4);
    expect(costs.get('JS:*runTask file:///x/bundle.mjs:20:3')).toBe(11);
  });

  it('counts self cost: the inclusive cost after a calls= line is not the caller’s', () => {
    const total = [...costs.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(40 + 16 + 11 + 9);
  });

  it('code outside every mapped region is unknown code, not a neighbour', () => {
    expect(costs.get('(unknown code)')).toBe(9);
  });
});
