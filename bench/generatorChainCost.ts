/**
 * How much a resumption costs per generator frame in a `yield*` chain — the shape of
 * every irpsim task (thread body → Win32 → system call → service → IoCallDriver → …).
 *   npx tsx bench/generatorChainCost.ts
 */
function* leaf(k: number): Generator<number, number, unknown> {
  for (let i = 0; i < k; i++) yield 0;
  return 1;
}

function* chain(depth: number, k: number): Generator<number, number, unknown> {
  if (depth === 0) return yield* leaf(k);
  return yield* chain(depth - 1, k);
}

function drain(g: Generator<number, number, unknown>): void {
  while (g.next().done !== true) {
    /* resume until done */
  }
}

const YIELDS = 1000;
for (const depth of [1, 3, 10, 20, 30, 100]) {
  const reps = Math.max(20, Math.round(3000 / depth));
  for (let w = 0; w < 3; w++) drain(chain(depth, YIELDS));
  const start = performance.now();
  for (let r = 0; r < reps; r++) drain(chain(depth, YIELDS));
  const ns = ((performance.now() - start) * 1e6) / (reps * YIELDS);
  process.stdout.write(`chain depth ${String(depth).padStart(3)}: ${ns.toFixed(0).padStart(5)} ns per resumption, ${(ns / depth).toFixed(1)} ns per frame\n`);
}
