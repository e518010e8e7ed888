/**
 * FNV-1a, 64-bit, over a string's UTF-16 code units: a stable fingerprint for scenario
 * contents and traces (not a cryptographic hash). Returns 16 lower-case hex digits.
 */
export function fnv1a64(text: string): string {
  // 64-bit arithmetic on two 32-bit halves; offset basis 0xcbf29ce484222325.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    // Multiply by the FNV prime 0x100000001b3 = 2^40 + 0x1b3, in integer operations only
    // (a trace is hashed per explored schedule): the low word is lo·0x1b3 mod 2^32; its
    // carry into the high word is computed from lo's 16-bit halves, every product < 2^26.
    const carry = ((lo >>> 16) * 0x1b3 + (((lo & 0xffff) * 0x1b3) >>> 16)) >>> 16;
    hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    lo = Math.imul(lo, 0x1b3) >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
