import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { callgrindProfile } from './callgrindProfile.ts';

/**
 * W1's machine instructions per IRP, counted by valgrind: a measure that does not move
 * with the machine's load (wall-clock pairs here vary ±10 %, a count by < 0.1 % between
 * runs), for telling apart changes of a few per cent. Two runs of bench/w1Once.ts under
 * `valgrind --tool=callgrind` with V8's `--predictable` (no concurrent compilation or
 * marking: the same code, the same collections, run after run) at M1 and M2 calls per
 * thread; the difference divided by 100 × (M2 − M1) cancels start-up, compilation, boot
 * and teardown. With `--perf-basic-prof`, the JIT code's addresses are named, so the count
 * is also given per function (self instructions; what TurboFan inlined counts in its
 * caller). Needs valgrind (`npm run bench:setup` installs it); prints SKIP without it.
 *
 *   node --import tsx bench/instructionCount.ts [--m1 600] [--m2 900] [--depth 3] [--verifier off] [--observe none|subscribe|record] [--top 40] [--json] [--keep]
 *     [--v8=--no-turbo-inlining …] (V8 flags for the runs)
 *
 * Collector work is reported apart (`gcPerIrp`): when a major collection falls in one run
 * and not the other it adds hundreds of instructions per IRP that no code change made.
 * Not part of `npm run bench`: two runs under valgrind take about a minute.
 * The runs are of an esbuild bundle of w1Once.ts, so no loader thread runs beside them.
 */
const { values } = parseArgs({
  options: {
    m1: { type: 'string', default: '600' },
    m2: { type: 'string', default: '900' },
    depth: { type: 'string', default: '3' },
    verifier: { type: 'string', default: 'off' },
    // W5's variants: none, subscribe (one listener keeping every event) or record.
    observe: { type: 'string', default: 'none' },
    top: { type: 'string', default: '40' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    // e.g. --v8 --no-turbo-inlining: every function's own count, nothing folded into its caller.
    v8: { type: 'string', multiple: true, default: [] },
  },
});
const m1 = Number(values.m1);
const m2 = Number(values.m2);
const top = Number(values.top);

if (spawnSync('valgrind', ['--version']).status !== 0) {
  process.stdout.write(`${JSON.stringify({ workload: 'W1-instructions', skip: 'valgrind is not installed (npm run bench:setup)' })}\n`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'irpsim-instructions-'));
// One bundle, run by plain node: no loader thread, and the same code at the same places in both runs.
// `keepNames` as tsx (how `npm run bench` and the CLI load the code) does: it gives every
// class a static block naming it, and V8 builds a subclass's objects by a slower path
// then — a change that pays in a bundle without it can halve W1 under tsx (round 11).
const bundle = join(dir, 'w1Once.mjs');
buildSync({ entryPoints: [new URL('w1Once.ts', import.meta.url).pathname], bundle: true, keepNames: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'error' });

function profile(m: number): { costs: Map<string, number>; checksum: string } {
  const out = join(dir, `callgrind.${m}`);
  const run = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--dump-instr=yes', '--smc-check=all-non-file', `--callgrind-out-file=${out}`,
      process.execPath, '--predictable', '--perf-basic-prof', ...values.v8, bundle, String(m), values.depth, values.verifier, values.observe],
    // In the scratch directory: V8 writes its isolate logs to the working directory.
    { encoding: 'utf8', maxBuffer: 1 << 26, cwd: dir },
  );
  if (run.status !== 0) throw new Error(`valgrind run failed (${run.status}): ${run.stderr.slice(-2000)}`);
  // V8 writes the map as /tmp/perf-PID.map; valgrind runs node in its own process.
  const map = `/tmp/perf-${run.pid}.map`;
  if (!existsSync(map)) throw new Error(`no perf map at ${map}`);
  renameSync(map, join(dir, `perf.${m}`));
  return { costs: callgrindProfile(readFileSync(out, 'utf8'), readFileSync(join(dir, `perf.${m}`), 'utf8')), checksum: run.stdout.trim() };
}

// esbuild marks where each module starts in the bundle with a `// path/to/module.ts` line:
// "JS:*next file:///…/w1Once.mjs:5560:7" becomes "next (packages/io-manager/src/callDriver.ts)".
const modules = readFileSync(bundle, 'utf8')
  .split('\n')
  .flatMap((text, i) => (/^\/\/ (packages|bench)\/\S+\.ts$/.test(text) ? [{ line: i + 1, path: text.slice(3) }] : []));
function sourceOf(fn: string): string {
  const match = /^JS:[*~^]?(\S*) file:\/\/\S+:(\d+):\d+$/.exec(fn);
  if (match === null) return fn;
  const line = Number(match[2]);
  let path = '?';
  for (const m of modules) if (m.line <= line) path = m.path;
  return `${match[1] === '' ? '(anonymous)' : match[1]} (${path})`;
}

const isCollector = (fn: string): boolean => /^(void )?(v8::internal::|heap::base::).*(Mark|Scaveng|Sweep|Evacuat|Compact|Heap::|Marking|Remembered|Slot|Minor|Major)/.test(fn);

try {
  const a = profile(m1);
  const b = profile(m2);
  const irps = 100 * (m2 - m1);
  const rows: { fn: string; perIrp: number }[] = [];
  let total = 0;
  let gc = 0;
  for (const fn of new Set([...a.costs.keys(), ...b.costs.keys()])) {
    const perIrp = ((b.costs.get(fn) ?? 0) - (a.costs.get(fn) ?? 0)) / irps;
    total += perIrp;
    if (isCollector(fn)) gc += perIrp;
    else rows.push({ fn: sourceOf(fn), perIrp });
  }
  rows.sort((x, y) => y.perIrp - x.perIrp);
  const result = {
    workload: 'W1-instructions',
    n: 100,
    m1,
    m2,
    depth: Number(values.depth),
    verifier: values.verifier,
    observe: values.observe,
    instructionsPerIrp: Math.round(total),
    withoutGcPerIrp: Math.round(total - gc),
    gcPerIrp: Math.round(gc),
    top: rows.slice(0, top).map((r) => ({ fn: r.fn, perIrp: Math.round(r.perIrp) })),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`W1 (n 100, depth ${result.depth}, verifier ${result.verifier}${result.observe === 'none' ? '' : `, observe ${result.observe}`}): ${result.instructionsPerIrp} instructions per IRP (${result.withoutGcPerIrp} without the collector's ${result.gcPerIrp})\n`);
    for (const r of result.top) process.stdout.write(`${String(r.perIrp).padStart(8)}  ${r.fn}\n`);
  }
} finally {
  if (values.keep) process.stderr.write(`callgrind files, perf maps and the bundle kept in ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
