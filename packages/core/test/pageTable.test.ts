import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageTable, type Pte } from '../src/index.ts';

/** An operation on a page table over a few pages, so that the remembered lookups are hit, replaced and invalidated. */
type Op = { readonly kind: 'get' | 'has' | 'set' | 'delete'; readonly page: number };

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('get' as const, 'has' as const, 'set' as const, 'delete' as const),
  page: fc.integer({ min: 0, max: 5 }),
});

describe('PageTable', () => {
  it('answers every lookup as a plain Map would, whatever was looked up, set or deleted before', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const table = new PageTable();
        const model = new Map<number, Pte>();
        let frame = 0;
        for (const o of ops) {
          if (o.kind === 'get') expect(table.get(o.page)).toBe(model.get(o.page));
          else if (o.kind === 'has') expect(table.has(o.page)).toBe(model.has(o.page));
          else if (o.kind === 'delete') expect(table.delete(o.page)).toBe(model.delete(o.page));
          else {
            // A fresh entry each time: a remembered lookup must not hand back the one it replaced.
            const pte: Pte = { frame: frame++, protect: 4, section: null, sectionPage: 0 };
            table.set(o.page, pte);
            model.set(o.page, pte);
          }
          expect(table.size).toBe(model.size);
        }
      }),
      { numRuns: 300 },
    );
  });
});
