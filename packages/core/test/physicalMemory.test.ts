import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../src/memory/PhysicalMemory.ts';
import { PAGE_SIZE } from '../src/memory/layout.ts';

describe('PhysicalMemory', () => {
  it('gives every frame its own zero-filled bytes, also when frames share a slab or are reused', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(40)), { maxLength: 80 }), (ops) => {
        const physical = new PhysicalMemory();
        // The model: each live frame's expected fill byte.
        const live = new Map<number, number>();
        let fill = 1;
        for (const o of ops) {
          if (o === -1 || live.size === 0) {
            const frame = physical.allocate();
            expect(live.has(frame)).toBe(false);
            const bytes = physical.bytes(frame);
            expect(bytes.length).toBe(PAGE_SIZE);
            expect(bytes.every((b) => b === 0)).toBe(true);
            bytes.fill(fill);
            live.set(frame, fill);
            fill = (fill % 255) + 1;
          } else {
            const frame = [...live.keys()][o % live.size]!;
            physical.release(frame);
            live.delete(frame);
            expect(() => physical.bytes(frame)).toThrow(/not allocated/);
          }
          expect(physical.used).toBe(live.size);
        }
        // No frame's writes reached another's bytes.
        for (const [frame, value] of live) expect(physical.bytes(frame).every((b) => b === value)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
