import { checksumStep, type RefConfig, type RefResult } from './refModel.ts';

/**
 * R-soa: the §2.1 model on a struct-of-arrays binary heap of typed arrays, ordered by
 * (time, sequence), with per-user state in typed arrays too: no allocation per event.
 * The physical limit of this design in JavaScript.
 */
export function refSoa(config: RefConfig): RefResult {
  const { n, m, d, s } = config;
  const start = performance.now();
  // One pending event per user at most, so the heap never holds more than n entries.
  const heapTime = new Float64Array(n);
  const heapSeq = new Float64Array(n);
  const heapSlot = new Int32Array(n);
  const stage = new Int32Array(n);
  const irpId = new Float64Array(n);
  const remaining = new Int32Array(n);
  let size = 0;
  let seq = 0;
  let now = 0;
  let nextIrp = 0;
  let h = 0;
  let events = 0;
  let irps = 0;

  const push = (time: number, slot: number): void => {
    const q = seq++;
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = heapTime[parent]!;
      if (pt < time || (pt === time && heapSeq[parent]! < q)) break;
      heapTime[i] = pt;
      heapSeq[i] = heapSeq[parent]!;
      heapSlot[i] = heapSlot[parent]!;
      i = parent;
    }
    heapTime[i] = time;
    heapSeq[i] = q;
    heapSlot[i] = slot;
  };

  const pop = (): number => {
    const top = heapSlot[0]!;
    now = heapTime[0]!;
    const last = --size;
    if (last > 0) {
      const lt = heapTime[last]!;
      const lq = heapSeq[last]!;
      const ls = heapSlot[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        let c = l;
        if (r < last) {
          const rt = heapTime[r]!;
          const ltm = heapTime[l]!;
          if (rt < ltm || (rt === ltm && heapSeq[r]! < heapSeq[l]!)) c = r;
        }
        const ct = heapTime[c]!;
        if (ct > lt || (ct === lt && heapSeq[c]! > lq)) break;
        heapTime[i] = ct;
        heapSeq[i] = heapSeq[c]!;
        heapSlot[i] = heapSlot[c]!;
        i = c;
      }
      heapTime[i] = lt;
      heapSeq[i] = lq;
      heapSlot[i] = ls;
    }
    return top;
  };

  for (let u = 0; u < n; u++) {
    if (m === 0) continue;
    remaining[u] = m;
    irpId[u] = nextIrp++;
    stage[u] = 1;
    push(now + d, u);
  }
  while (size > 0) {
    const u = pop();
    events++;
    const st = stage[u]!;
    if (st < 7) {
      stage[u] = st + 1;
      push(now + (st + 1 === 4 ? s : d), u);
      continue;
    }
    // Stage 7: the request is back at the user.
    h = checksumStep(h, irpId[u]!, now);
    irps++;
    const left = remaining[u]! - 1;
    remaining[u] = left;
    if (left > 0) {
      irpId[u] = nextIrp++;
      stage[u] = 1;
      push(now + d, u);
    }
  }
  return { engine: 'R-soa', irps, events, endTime: now, checksum: h, seconds: (performance.now() - start) / 1000 };
}
