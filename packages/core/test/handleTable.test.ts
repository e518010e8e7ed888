import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandleTable, type HandleEntry, type KObject } from '../src/index.ts';

describe('HandleTable.forEach', () => {
  it('visits exactly the open handles, each once, with its entry — after any sequence of opens and closes', () => {
    const entry = (access: number): HandleEntry => ({ object: {} as KObject, access });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('open' as const), fc.nat(20)), { maxLength: 60 }), (ops) => {
        const table = new HandleTable();
        const open = new Map<number, HandleEntry>();
        ops.forEach((op, i) => {
          if (op === 'open') {
            const e = entry(i);
            open.set(table.insert(e), e);
          } else {
            const handle = [...open.keys()][op % Math.max(1, open.size)];
            if (handle !== undefined) {
              table.remove(handle);
              open.delete(handle);
            }
          }
        });
        const seen = new Map<number, HandleEntry>();
        table.forEach((handle, e) => {
          expect(seen.has(handle)).toBe(false);
          seen.set(handle, e);
        });
        expect(seen).toEqual(open);
        expect([...seen.keys()].sort((a, b) => a - b)).toEqual(table.handles());
      }),
    );
  });
});
