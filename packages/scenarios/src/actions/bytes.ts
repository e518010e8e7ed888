import { encodeUtf8 } from '@irpsim/core';

/** Parses `"48 65 6c"` or `"48656c"` into bytes; null when it is not hex. */
export function parseHex(text: string): Uint8Array | null {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The bytes a `{ text | hex | size + fill }` spec describes, or an error message. */
export function specBytes(spec: { text?: unknown; hex?: unknown; size?: unknown; fill?: unknown }): Uint8Array | string {
  const sources = ['text', 'hex', 'size'].filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
  if (sources.length > 1) return `give one of text, hex or size, not ${sources.join(' and ')}`;
  if (typeof spec.text === 'string') return encodeUtf8(spec.text);
  if (typeof spec.hex === 'string') return parseHex(spec.hex) ?? `'${spec.hex}' is not hex bytes`;
  if (typeof spec.size === 'number') return new Uint8Array(spec.size).fill(typeof spec.fill === 'number' ? spec.fill : 0);
  return new Uint8Array(0);
}
