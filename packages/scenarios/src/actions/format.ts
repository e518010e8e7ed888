import { describeStatus } from '@irpsim/core';
import { win32ErrorName } from '../format/NamedValues.ts';

/** How expectations show values: `TRUE`, `ERROR_MORE_DATA (234)`, `STATUS_SUCCESS (0x00000000)`. */
export const showBool = (b: boolean): string => (b ? 'TRUE' : 'FALSE');
export const showError = (e: number): string => {
  const name = win32ErrorName(e);
  return name === String(e) ? String(e) : `${name} (${e})`;
};
export const showStatus = (s: number): string => describeStatus(s);
export const showHex = (n: number): string => `0x${(n >>> 0).toString(16).toUpperCase()}`;

/** Bytes as text when they are printable, else as hex. */
export function showBytes(bytes: Uint8Array): string {
  const printable = bytes.every((b) => b >= 0x20 && b < 0x7f);
  if (printable) return JSON.stringify(String.fromCharCode(...bytes));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
