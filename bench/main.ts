import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { USAGE, benchArgs, type BenchArgs, type Workload } from './benchArgs.ts';
import { evaluateBudgets, formatBudgetTable } from './budgets.ts';
import { environment, type Environment } from './environment.ts';
import { measureW1 } from './measureW1.ts';
import { measureW2 } from './measureW2.ts';
import { measureW3 } from './measureW3.ts';
import { measureW4 } from './measureW4.ts';
import { measureW5 } from './measureW5.ts';
import { measureW6 } from './measureW6.ts';
import { measureW7 } from './measureW7.ts';
import { measureW8 } from './measureW8.ts';
import { measureW9 } from './measureW9.ts';
import { simpyVersion } from './simpyPeer.ts';
import { formatEnvironment, formatWorkloads, w3Svg } from './summaryTables.ts';

/**
 * `npm run bench`: the workloads of performance-anchors.md §3 that exist so far, each
 * printing one JSON line per variant, then (without --json) human tables and every budget
 * of issue 9 with its measured ratio and PASS / FAIL / SKIP.
 */
function main(argv: readonly string[]): number {
  let args: BenchArgs;
  try {
    args = benchArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const env = environment();
  const simpy = args.from === null ? simpyVersion() : null;
  const progress = args.json ? () => {} : (message: string) => process.stderr.write(`  … ${message}\n`);
  const say = (text: string) => {
    if (!args.json) process.stdout.write(`${text}\n`);
  };
  if (args.from === null) say(`${formatEnvironment(env, simpy)}\n`);
  const lines: Record<string, unknown>[] = [];
  const emit = (line: Record<string, unknown>) => {
    lines.push(line);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  const started = performance.now();
  const q = args.quick;
  try {
    if (args.from !== null) {
      // Re-report a saved run: no measurement.
      for (const text of readFileSync(args.from, 'utf8').split('\n')) if (text.trim() !== '') lines.push(JSON.parse(text) as Record<string, unknown>);
      const saved = lines[0]?.['env'] as Environment | undefined;
      const savedSimpy = lines.find((l) => typeof l['simpyVersion'] === 'string')?.['simpyVersion'] as string | undefined;
      if (saved !== undefined) say(`${formatEnvironment(saved, savedSimpy ?? null)}\n(re-reported from ${args.from})`);
    } else {
      for (const workload of args.only) measure(workload, args, simpy, env, progress, lines).forEach(emit);
    }
  } catch (error) {
    process.stderr.write(`bench: measurement failed: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
  const budgets = evaluateBudgets(lines);
  say('');
  say(formatWorkloads(lines));
  say('Budgets (issue 9): floor [stretch]');
  say(formatBudgetTable(budgets, q));
  if (args.from === null) say(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (args.svg !== null) writeSvg(args.svg, lines);
  const failed = budgets.filter((b) => b.gates && b.verdict === 'FAIL');
  return !q && failed.length > 0 ? 1 : 0;
}

/** Runs one workload with the full or the quick sizes. */
function measure(workload: Workload, args: BenchArgs, simpy: string | null, env: Environment, progress: (m: string) => void, done: readonly Record<string, unknown>[] = []): Record<string, unknown>[] {
  const q = args.quick;
  // W6 and W7 quote their events/s as a share of W1's at the same (default) verifier level.
  const w1Enhanced = done.find((l) => l['workload'] === 'W1' && l['verifier'] === 'enhanced')?.['eventsPerSec'];
  const w1EventsPerSec = typeof w1Enhanced === 'number' ? w1Enhanced : null;
  if (workload === 'W6') {
    return [measureW6({ runs: q ? 40 : 200, reps: q ? 1 : 3, eventSample: q ? 30 : 100, w1EventsPerSec, env, progress })];
  }
  if (workload === 'W7') {
    return measureW7({ schedules: q ? 100 : 1000, reps: q ? 1 : 3, bareRuns: q ? 50 : 300, w1EventsPerSec, env, progress });
  }
  if (workload === 'W9') {
    return measureW9({ held: q ? [100, 1000] : [100, 1000, 10_000], rounds: q ? 1 : 3, blockSeconds: q ? 0.05 : 0.25, maxBlockSteps: 20_000, warmSteps: q ? 500 : 2_000, env, progress });
  }
  if (workload === 'W2') {
    return measureW2({ n: q ? 20 : 100, depth: 3, pairs: q ? 1 : Math.min(args.pairs, 5), targetSeconds: q ? 0.1 : 0.4, minM: q ? 10 : 50, refTargetSeconds: q ? 0.05 : 0.2, simpy, env, progress });
  }
  if (workload === 'W4') {
    return measureW4({ n: q ? 20 : 100, depth: 3, rounds: q ? 1 : 5, targetSeconds: q ? 0.1 : 0.4, minM: q ? 10 : 50, env, progress });
  }
  if (workload === 'W8') {
    return measureW8({
      pending: q ? [500, 2000] : [1000, 10_000, 100_000],
      devices: q ? [200, 1000] : [1000, 10_000],
      processes: q ? [50, 200] : [1000, 10_000],
      threads: 4,
      verifiers: q ? ['off'] : ['off', 'enhanced'],
      env,
      progress,
    });
  }
  if (workload === 'W1') {
    return measureW1({
      n: q ? 20 : 100,
      depth: 3,
      pairs: args.pairs,
      targetSeconds: q ? 0.1 : 0.5,
      minM: q ? 10 : 100,
      refTargetSeconds: q ? 0.05 : 0.3,
      simpy,
      randomRuns: q ? 1 : 3,
      quick: q,
      env,
      progress,
    });
  }
  if (workload === 'W5') {
    return [measureW5({ n: q ? 20 : 100, depth: 3, pairs: args.pairs, targetSeconds: q ? 0.1 : 0.5, minM: q ? 10 : 100, env, progress })];
  }
  return measureW3({
    processes: q ? [1, 10, 100] : [1, 10, 100, 1000, 10000, 100000],
    baseProcesses: 100,
    depths: q ? [1, 3, 8] : [1, 3, 8, 16],
    depthSweepN: q ? 20 : 100,
    depthRounds: q ? 1 : 9,
    reps: q ? 1 : 3,
    targetSeconds: q ? 0.1 : 0.5,
    minIrpsPerRun: q ? 500 : 10_000,
    refTargetSeconds: q ? 0.05 : 0.2,
    simpy,
    env,
    progress,
  });
}

function writeSvg(file: string, lines: readonly Record<string, unknown>[]): void {
  const svg = w3Svg(lines);
  if (svg === null) {
    process.stderr.write('bench: --svg needs W3 in the run; nothing written\n');
    return;
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, svg);
  } catch (error) {
    process.stderr.write(`bench: could not write ${file}: ${(error as Error).message}\n`);
  }
}

process.exitCode = main(process.argv.slice(2));
