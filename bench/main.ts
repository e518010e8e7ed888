import { writeFileSync } from 'node:fs';
import { USAGE, benchArgs, type BenchArgs } from './benchArgs.ts';
import { evaluateBudgets, formatBudgetTable } from './budgets.ts';
import { environment } from './environment.ts';
import { measureW1 } from './measureW1.ts';
import { measureW3 } from './measureW3.ts';
import { measureW5 } from './measureW5.ts';
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
  const simpy = simpyVersion();
  const progress = args.json ? () => {} : (message: string) => process.stderr.write(`  … ${message}\n`);
  const say = (text: string) => {
    if (!args.json) process.stdout.write(`${text}\n`);
  };
  say(formatEnvironment(env, simpy));
  say('');
  const lines: Record<string, unknown>[] = [];
  const emit = (line: Record<string, unknown>) => {
    lines.push(line);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  const started = performance.now();
  const q = args.quick;
  try {
    for (const workload of args.only) {
      if (workload === 'W1') {
        measureW1({
          n: q ? 20 : 100,
          depth: 3,
          pairs: args.pairs,
          targetSeconds: q ? 0.1 : 0.5,
          refTargetSeconds: q ? 0.05 : 0.3,
          simpy,
          randomRuns: q ? 1 : 3,
          quick: q,
          env,
          progress,
        }).forEach(emit);
      } else if (workload === 'W5') {
        emit(measureW5({ n: q ? 20 : 100, depth: 3, pairs: args.pairs, targetSeconds: q ? 0.1 : 0.4, env, progress }));
      } else {
        measureW3({
          processes: q ? [1, 10, 100] : [1, 10, 100, 1000, 10000],
          baseProcesses: 100,
          depths: q ? [1, 3, 8] : [1, 3, 8, 16],
          depthSweepN: q ? 20 : 100,
          reps: q ? 1 : 3,
          targetSeconds: q ? 0.1 : 0.3,
          refTargetSeconds: q ? 0.05 : 0.2,
          slowRunSeconds: 5,
          simpy,
          env,
          progress,
        }).forEach(emit);
      }
    }
  } catch (error) {
    process.stderr.write(`bench: measurement failed: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
  if (args.svg !== null) {
    const svg = w3Svg(lines);
    if (svg !== null) writeFileSync(args.svg, svg);
    else process.stderr.write('bench: --svg needs W3 in the run; nothing written\n');
  }
  const budgets = evaluateBudgets(lines);
  say('');
  say(formatWorkloads(lines));
  say('Budgets (issue 9): floor [stretch]');
  say(formatBudgetTable(budgets, q));
  say(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const failed = budgets.filter((b) => b.gates && b.verdict === 'FAIL');
  return !q && failed.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
