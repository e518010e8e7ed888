import { encodeUtf8 } from '@irpsim/core';
import type { NamedValues } from '../format/NamedValues.ts';

/** Parses `"48 65 6c"` or `"48656c"` into bytes; null when it is not hex. */
export function parseHex(text: string): Uint8Array | null {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The keys that make new bytes. */
export const SOURCES = ['text', 'hex', 'size'] as const;

/** The bytes a `{ text | hex | size + fill }` spec describes (text as written), or an error message. */
export function specBytes(spec: { text?: unknown; hex?: unknown; size?: unknown; fill?: unknown }): Uint8Array | string {
  const sources = SOURCES.filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
  if (sources.length > 1) return `give one of text, hex or size, not ${sources.join(' and ')}`;
  if (typeof spec.text === 'string') return encodeUtf8(spec.text);
  if (typeof spec.hex === 'string') return parseHex(spec.hex) ?? `'${spec.hex}' is not hex bytes`;
  if (typeof spec.size === 'number') return new Uint8Array(spec.size).fill(typeof spec.fill === 'number' ? spec.fill : 0);
  return new Uint8Array(0);
}

/** One piece of a text with `${…}` parts: literal text, or an expression. */
export type TextPart = { readonly literal: string } | { readonly expression: string };

/**
 * Splits `item ${i + 1}` into its literal and expression parts; `$${` writes a literal
 * `${`. Returns an error message for a `${` that is not closed.
 */
export function splitText(text: string): TextPart[] | string {
  const parts: TextPart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      if (end < 0) return `'\${' in '${text}' is not closed by '}'`;
      if (literal !== '') parts.push({ literal });
      literal = '';
      parts.push({ expression: text.slice(i + 2, end) });
      i = end + 1;
    } else {
      literal += text[i];
      i++;
    }
  }
  if (literal !== '' || parts.length === 0) parts.push({ literal });
  return parts;
}

/** A text whose `${…}` parts use named values only, as bytes; or an error message. */
export function staticText(text: string, values: NamedValues): Uint8Array | string {
  const parts = splitText(text);
  if (typeof parts === 'string') return parts;
  let out = '';
  for (const part of parts) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    const r = values.evaluate(part.expression);
    if (!r.ok) return r.message;
    out += String(r.value);
  }
  return encodeUtf8(out);
}
