import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Irp } from '../src/Irp.ts';
import { IrpTable } from '../src/IrpTable.ts';

/** An operation on the table: add an IRP with this id, or remove this id. */
type Op = { readonly kind: 'set'; readonly id: number } | { readonly kind: 'delete'; readonly id: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 3000 }) }),
);

/** The table against a plain Map after each operation; the table iterates in id order. */
function agreesWithMap(ops: readonly Op[]): void {
  const table = new IrpTable();
  const model = new Map<number, Irp>();
  for (const o of ops) {
    if (o.kind === 'set') {
      const irp = new Irp(o.id, 1);
      table.set(o.id, irp);
      model.set(o.id, irp);
    } else {
      expect(table.delete(o.id)).toBe(model.delete(o.id));
    }
    expect(table.size).toBe(model.size);
  }
  const byId = [...model.entries()].sort((a, b) => a[0] - b[0]);
  expect([...table.entries()]).toEqual(byId);
  expect([...table]).toEqual(byId);
  expect([...table.keys()]).toEqual(byId.map(([id]) => id));
  expect([...table.values()]).toEqual(byId.map(([, irp]) => irp));
  for (let id = -1; id <= 3001; id += 7) {
    expect(table.get(id)).toBe(model.get(id));
    expect(table.has(id)).toBe(model.has(id));
  }
}

describe('IrpTable: the I/O manager table of IRPs not yet freed', () => {
  it('behaves as a Map of the same entries, iterated in id order, for any sequence of insertions and deletions', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), agreesWithMap), { numRuns: 200 });
  });

  it('keeps the I/O manager’s insertion order (ids in order) across window compactions', () => {
    // The I/O manager's pattern: ids in order, most freed soon after, a few held long.
    const ops: Op[] = [];
    for (let id = 1; id <= 5000; id++) {
      ops.push({ kind: 'set', id });
      if (id > 3 && id % 997 !== 0) ops.push({ kind: 'delete', id: id - 3 });
    }
    agreesWithMap(ops);
  });

  it('stays bounded while a few IRPs live for the rest of the run, and still agrees with a Map', () => {
    // A request pended forever must not pin a window that grows with every later IRP.
    const ops: Op[] = [];
    for (let id = 1; id <= 40000; id++) {
      ops.push({ kind: 'set', id });
      if (id > 3 && (id - 3) % 9000 !== 5) ops.push({ kind: 'delete', id: id - 3 });
    }
    // Ids far behind the window, set and removed again.
    ops.push({ kind: 'set', id: 2 }, { kind: 'delete', id: 5 }, { kind: 'set', id: 9004 }, { kind: 'delete', id: 2 }, { kind: 'set', id: 3 });
    agreesWithMap(ops);
    const table = new IrpTable();
    for (const o of ops) {
      if (o.kind === 'set') table.set(o.id, new Irp(o.id, 1));
      else table.delete(o.id);
    }
    const slots = (table as unknown as { slots: unknown[] }).slots; // the window's array: its bound is the point
    expect(slots.length).toBeLessThan(10000);
  });

  it('is empty after clear and reusable', () => {
    const table = new IrpTable();
    table.set(5, new Irp(5, 1));
    table.clear();
    expect(table.size).toBe(0);
    expect([...table]).toEqual([]);
    const irp = new Irp(2, 1);
    table.set(2, irp);
    expect(table.get(2)).toBe(irp);
    expect(table.size).toBe(1);
  });
});
