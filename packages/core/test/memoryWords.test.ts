import { describe, expect, it } from 'vitest';
import { Machine, PAGE, SimException, firstCome } from '../src/index.ts';

/** What an access raised, or null. */
function raised(access: () => void): { code: number; address: number; write: boolean } | null {
  try {
    access();
    return null;
  } catch (error) {
    if (!SimException.is(error)) throw error;
    return { code: error.code, address: error.address, write: error.write };
  }
}

describe('Memory.writeU32Pair: an IO_STATUS_BLOCK written as two writeU32 calls would write it', () => {
  const machine = new Machine({ strategy: firstCome() });
  const space = machine.createProcess('app').space;
  const memory = machine.memory;

  it('writes the same bytes as writeU32(first) then writeU32(second), inside a page and across a boundary', () => {
    const pair = memory.allocateUser(space, 0x3000)!;
    const single = memory.allocateUser(space, 0x3000)!;
    for (const offset of [0, 4, 0xff0, 0xff8, 0xff9, 0xffc, 0xffe, 0x1ff8]) {
      memory.writeU32Pair(space, pair + offset, 0xc0000016, 0x12345678, 'user');
      memory.writeU32(space, single + offset, 0xc0000016, 'user');
      memory.writeU32(space, single + offset + 4, 0x12345678, 'user');
      expect(memory.read(space, pair + offset, 8, 'user')).toEqual(memory.read(space, single + offset, 8, 'user'));
      expect(memory.readU32(space, pair + offset, 'user')).toBe(0xc0000016);
      expect(memory.readU32(space, pair + offset + 4, 'user')).toBe(0x12345678);
    }
  });

  it('faults as the two calls would: nothing written in a read-only page, the first word before a read-only one', () => {
    const base = memory.allocateUser(space, 0x2000)!;
    memory.protect(space, base + 0x1000, 0x1000, PAGE.READONLY);
    expect(raised(() => memory.writeU32Pair(space, base + 0x1010, 1, 2, 'user'))).toEqual({ code: 0xc0000005, address: base + 0x1010, write: true });
    expect(memory.read(space, base + 0x1010, 8, 'user')).toEqual(new Uint8Array(8));
    expect(raised(() => memory.writeU32Pair(space, base + 0xffc, 7, 8, 'user'))).toEqual({ code: 0xc0000005, address: base + 0x1000, write: true });
    expect(memory.readU32(space, base + 0xffc, 'user')).toBe(7);
    expect(raised(() => memory.writeU32Pair(space, 0x80001000, 1, 2, 'user'))).toMatchObject({ code: 0xc0000005, write: true });
  });
});
