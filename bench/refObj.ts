import { checksumStep, stageDelay, type RefConfig, type RefResult } from './refModel.ts';

interface RefIrp {
  id: number;
  user: number;
  remaining: number;
}

interface RefEvent {
  t: number;
  seq: number;
  kind: number;
  irp: RefIrp;
}

/**
 * R-obj: the §2.1 model on a binary heap of `{t, seq, kind, irp}` event objects (one
 * allocation per event) with mutable IRP objects, ordered by (time, sequence).
 */
export function refObj(config: RefConfig): RefResult {
  const { n, m, d, s } = config;
  const start = performance.now();
  const heap: RefEvent[] = [];
  let seq = 0;
  let now = 0;
  let nextIrp = 0;
  let h = 0;
  let events = 0;
  let irps = 0;

  const before = (a: RefEvent, b: RefEvent): boolean => a.t < b.t || (a.t === b.t && a.seq < b.seq);

  const push = (t: number, kind: number, irp: RefIrp): void => {
    const event: RefEvent = { t, seq: seq++, kind, irp };
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (before(p, event)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  };

  const pop = (): RefEvent => {
    const top = heap[0]!;
    const last = heap.pop()!;
    const size = heap.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && before(heap[r]!, heap[l]!) ? r : l;
        if (before(last, heap[c]!)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };

  for (let u = 0; u < n; u++) {
    if (m === 0) continue;
    push(now + d, 1, { id: nextIrp++, user: u, remaining: m });
  }
  while (heap.length > 0) {
    const event = pop();
    now = event.t;
    events++;
    const irp = event.irp;
    if (event.kind < 7) {
      push(now + stageDelay(event.kind + 1, d, s), event.kind + 1, irp);
      continue;
    }
    h = checksumStep(h, irp.id, now);
    irps++;
    if (--irp.remaining > 0) {
      // The user issues its next request: a fresh IRP object.
      push(now + d, 1, { id: nextIrp++, user: irp.user, remaining: irp.remaining });
    }
  }
  return { engine: 'R-obj', irps, events, endTime: now, checksum: h, seconds: (performance.now() - start) / 1000 };
}
