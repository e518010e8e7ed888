import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TableRead } from '../src/run/TableRead.ts';

/** A previous table (frozen, as a snapshot holds it) and the ids read this time, each kept or renewed. */
const reads = fc.record({
  before: fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { maxLength: 12 }),
  after: fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { maxLength: 12 }),
  renewed: fc.array(fc.boolean(), { maxLength: 12 }),
});

describe('TableRead', () => {
  it('is the previous table exactly when every record came back and none is gone; else a table of what was read', () => {
    fc.assert(
      fc.property(reads, ({ before, after, renewed }) => {
        const previous: Record<string, { id: number }> = {};
        for (const id of before) previous[id] = { id };
        Object.freeze(previous);
        const read = new TableRead<{ id: number }>(after.length);
        const expected: Record<string, { id: number }> = {};
        let allKept = true;
        after.forEach((id, i) => {
          const old = previous[id];
          const record = old !== undefined && renewed[i] !== true ? old : { id };
          if (record !== old) allKept = false;
          read.add(id, record, old);
          expected[id] = record;
        });
        const table = read.table(previous);
        const same = allKept && after.length === before.length;
        expect(table === previous).toBe(same);
        expect(table).toEqual(expected);
        // Records are shared, never copied.
        for (const id of after) expect(table[id]).toBe(expected[id]);
      }),
    );
  });

  it('builds a new table when there is no previous one', () => {
    const read = new TableRead<string>(2);
    read.add(7, 'a', undefined);
    read.add(3, 'b', undefined);
    expect(read.table(undefined)).toEqual({ 3: 'b', 7: 'a' });
  });
});
