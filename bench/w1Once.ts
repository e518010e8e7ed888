import type { VerifierLevel } from '@irpsim/io-manager';
import { runNullIoctl } from './runNullIoctl.ts';

/**
 * One W1 run, nothing else: what `instructionCount.ts` runs under valgrind, twice, with
 * two sizes. Usage: node --import tsx bench/w1Once.ts M DEPTH VERIFIER [OBSERVE]
 */
const m = Number(process.argv[2] ?? 100);
const depth = Number(process.argv[3] ?? 3);
// The level as the bench passes it, a literal: a string from argv is compared by content, not identity.
const levels: Record<string, VerifierLevel> = { off: 'off', standard: 'standard', enhanced: 'enhanced' };
const verifier = levels[process.argv[4] ?? 'off'] ?? 'off';
const observes = { none: 'none', subscribe: 'subscribe', record: 'record' } as const;
const observe = observes[(process.argv[5] ?? 'none') as keyof typeof observes] ?? 'none';
const run = runNullIoctl({ n: 100, m, depth, verifier, warmup: 0, observe });
process.stdout.write(`${run.checksum} ${run.totalIrps}\n`);
