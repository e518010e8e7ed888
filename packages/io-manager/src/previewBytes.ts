/** The first bytes of a buffer as hex, for the trace (at most 32 bytes shown). */
export function previewBytes(bytes: Uint8Array, max = 32): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} …` : shown;
}
