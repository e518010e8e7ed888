import { Machine, firstCome, type Engine, type Routine } from '@irpsim/core';
import { CONFIG_Z } from './refModel.ts';
import { refSoa } from './refSoa.ts';
import { collectGarbage, median } from './stats.ts';

/**
 * The cost of W1's control flow alone — what the execution model charges before the I/O
 * manager does anything: the same 8 scheduling points per IRP as W1, on the same engine
 * and machine (user threads, first-come, the CPU gate), with the routines shaped as W1's
 * are today — a generator per Win32 call, service, IoCallDriver, the bottom dispatch
 * routine and its IoCompleteRequest walk; the filters' dispatch and completion routines
 * plain functions (routines.ts); `engine.call` where irpsim uses it — but no IRP, no
 * buffers, no handles, no checks. Paired with R-soa in the same process:
 *   node --expose-gc --import tsx bench/controlFlowFloor.ts [--rounds 7]
 * Prints ns per IRP of the skeleton and its ratio to R-soa: the highest W1 ratio this
 * execution model can reach, whatever the I/O logic costs (docs/performance.md).
 */
const N = 100;
const M = 2000;
const DEPTH = 3;

type Shape = 'irpsim' | 'flat';

/**
 * `irpsim`: the routines shaped as today. `flat`: each IRP's 8 scheduling points as 8
 * yields of the thread's own frame — the engine's cost alone, the floor of any design
 * that keeps a step per scheduling point.
 */
function skeleton(shape: Shape): { seconds: number; irps: number; steps: number } {
  const machine = new Machine({ strategy: firstCome(), budget: { maxSteps: Number.MAX_SAFE_INTEGER } });
  const engine: Engine = machine.engine;
  let completed = 0;
  const completionRoutine = (): number => completed++ & 0;
  // IoCompleteRequest at the bottom: a scheduling point and a (plain) completion routine per filter above it.
  function* completeRequest(routines: number): Routine<void> {
    for (let i = 0; i < routines; i++) {
      yield 0;
      completionRoutine();
    }
  }
  function* bottomDispatch(): Routine<number> {
    yield* completeRequest(DEPTH - 1);
    return 0;
  }
  // A filter's plain dispatch routine: `return k.IoCallDriver(lower, irp)`.
  const filterDispatch = (level: number): Routine<number> => callDriver(level - 1);
  // IoCallDriver: a scheduling point, then the dispatch routine as an engine call.
  function* callDriver(level: number): Routine<number> {
    yield 0;
    return (yield engine.call(level === 0 ? bottomDispatch() : filterDispatch(level))) as number;
  }
  function* service(): Routine<number> {
    yield 0; // the IRP's allocation
    return yield* callDriver(DEPTH - 1);
  }
  function* systemCall(): Routine<number> {
    yield 0; // entry
    const status = (yield engine.call(service())) as number;
    yield 0; // exit
    return status;
  }
  function* deviceIoControl(): Routine<boolean> {
    return (yield* systemCall()) === 0;
  }
  let irps = 0;
  for (let p = 0; p < N; p++) {
    const process = machine.createProcess(`user${p}`);
    machine.createThread(process, 'main', function* () {
      for (let i = 0; i < M; i++) {
        if (shape === 'irpsim') yield* deviceIoControl();
        else for (let k = 0; k < 8; k++) yield 0;
        irps++;
      }
    });
  }
  collectGarbage();
  const t0 = performance.now();
  const result = engine.run();
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, irps, steps: result.stats.steps };
}

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] ?? 7) || 7;
for (const shape of ['irpsim', 'flat'] as const) {
  const ns: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const s = skeleton(shape);
    collectGarbage();
    const ref = refSoa({ n: N, m: 20 * M, ...CONFIG_Z });
    if (r === 0) continue; // warm-up
    const skeletonIrpsPerSec = s.irps / s.seconds;
    const refIrpsPerSec = ref.irps / ref.seconds;
    ns.push(1e9 / skeletonIrpsPerSec);
    ratios.push(skeletonIrpsPerSec / refIrpsPerSec);
    if (s.steps < 8 * s.irps) throw new Error(`the skeleton took ${s.steps} steps for ${s.irps} IRPs`);
  }
  process.stdout.write(
    `${JSON.stringify({ skeleton: shape, n: N, m: M, depth: DEPTH, stepsPerIrp: 8, rounds, nsPerIrp: Math.round(median(ns)), ratioToRefSoa: Number(median(ratios).toFixed(4)) })}\n`,
  );
}
