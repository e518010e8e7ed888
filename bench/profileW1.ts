import { parseArgs } from 'node:util';
import type { VerifierLevel } from '@irpsim/io-manager';
import { runNullIoctl } from './runNullIoctl.ts';

/**
 * irpsim's side of W1 alone, for a clean CPU profile (no reference loops, no SimPy):
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profileW1.ts [--verifier off] [--seconds 10]
 *   npx tsx bench/profileSummary.ts /tmp/prof/<file>.cpuprofile 25
 */
const { values } = parseArgs({
  options: {
    verifier: { type: 'string', default: 'off' },
    seconds: { type: 'string', default: '10' },
    n: { type: 'string', default: '100' },
    depth: { type: 'string', default: '3' },
  },
});
const verifier = values.verifier as VerifierLevel;
const n = Number(values.n);
const depth = Number(values.depth);
const until = performance.now() + 1000 * Number(values.seconds);
let irps = 0;
let seconds = 0;
while (performance.now() < until) {
  const run = runNullIoctl({ n, m: 50, depth, verifier });
  irps += run.irps;
  seconds += run.seconds;
}
process.stdout.write(`${JSON.stringify({ n, depth, verifier, irps, irpsPerSec: Math.round(irps / seconds) })}\n`);
