/**
 * Runs a lesson (or a scenario file) with the library API and prints its narration, its
 * report and what a viewer would see step by step: how many steps, how many IRPs were in
 * flight at most, how many state changes the snapshots recorded.
 *
 *   npx tsx examples/node/runLesson.ts [LESSON|FILE.yaml] [--seed N]
 *
 * Exit code 0 when every expectation held, 1 otherwise, 2 for a scenario that does not load.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulation, irpsOf, renderText, ScenarioLoadError, type Simulation } from '@irpsim/scenarios';

const LESSONS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'scenarios', 'lessons');

function main(args: string[]): number {
  const name = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--seed') ?? 'ioctl-methods';
  const seedAt = args.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : undefined;
  const file = name.endsWith('.yaml') || name.includes('/') ? name : join(LESSONS, `${name}.yaml`);
  if (!existsSync(file)) {
    process.stderr.write(`${name}:1:1: error: no such lesson or file\n`);
    return 2;
  }

  let simulation: Simulation;
  try {
    simulation = createSimulation(readFileSync(file, 'utf8'), { file: name, patches: true, ...(seed !== undefined ? { seed } : {}) });
  } catch (error) {
    if (!(error instanceof ScenarioLoadError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }

  // Step through the run as a viewer would: a snapshot per step, with what changed.
  let steps = 0;
  let changes = 0;
  let inFlight = 0;
  simulation.snapshot();
  while (simulation.step()) {
    const snapshot = simulation.snapshot();
    steps++;
    changes += snapshot.patches?.length ?? 0;
    inFlight = Math.max(inFlight, irpsOf(snapshot.state).length);
  }
  const result = simulation.result();
  process.stdout.write(renderText(result, simulation.events));
  process.stdout.write(`\nstepped ${steps} steps · at most ${inFlight} IRP${inFlight === 1 ? '' : 's'} in flight · ${changes} state changes recorded\n`);
  return result.passed ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
