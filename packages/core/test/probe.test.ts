import { describe, expect, it } from 'vitest';
import { Machine, SimException, STATUS, firstCome, probeForRead, probeForWrite } from '../src/index.ts';

/** What a probe raised: the status, the address and which probe (write or read). */
function raised(probe: () => void): { code: number; address: number; write: boolean } | null {
  try {
    probe();
    return null;
  } catch (error) {
    if (!SimException.is(error)) throw error;
    return { code: error.code, address: error.address, write: error.write };
  }
}

describe('ProbeForRead and ProbeForWrite (verifier-and-objects.md C21)', () => {
  const machine = new Machine({ strategy: firstCome() });
  const space = machine.createProcess('app').space;
  const kernelAddress = 0x81000000;

  it('C21 ProbeForWrite rejects a kernel address as a write, ProbeForRead as a read', () => {
    expect(raised(() => probeForWrite(machine.memory, space, kernelAddress, 8, 1))).toEqual({ code: STATUS.ACCESS_VIOLATION, address: kernelAddress, write: true });
    expect(raised(() => probeForRead(kernelAddress, 8, 1))).toEqual({ code: STATUS.ACCESS_VIOLATION, address: kernelAddress, write: false });
  });

  it('C21 misalignment is STATUS_DATATYPE_MISALIGNMENT for either probe; a zero length checks nothing', () => {
    expect(raised(() => probeForWrite(machine.memory, space, 0x10002, 8, 4))).toMatchObject({ code: STATUS.DATATYPE_MISALIGNMENT, write: true });
    expect(raised(() => probeForRead(0x10002, 8, 4))).toMatchObject({ code: STATUS.DATATYPE_MISALIGNMENT, write: false });
    expect(raised(() => probeForWrite(machine.memory, space, kernelAddress, 0, 4))).toBeNull();
  });
});
