import type { Kernel } from '@irpsim/io-manager';

/** Reads the little-endian 32-bit value at `address` (a ring index or an IOCTL's handle). */
export function readU32(k: Kernel, address: number): number {
  return new DataView(k.readMemory(address, 4).buffer).getUint32(0, true);
}

/** Writes `value` at `address` as a little-endian 32-bit value. */
export function writeU32(k: Kernel, address: number, value: number): void {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  k.writeMemory(address, bytes);
}
