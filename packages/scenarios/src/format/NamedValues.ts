import { ACCESS, PAGE, STATUS } from '@irpsim/core';
import { CTL_CODE, ERROR, FILE, FILE_ACCESS, FILE_DEVICE, INFINITE, METHOD, WAIT } from '@irpsim/io-manager';
import { didYouMean } from './didYouMean.ts';

/** The names every scenario can use: STATUS_*, ERROR_*, METHOD_*, FILE_*, GENERIC_*, PAGE_*. */
export function builtInValues(): Map<string, number> {
  const values = new Map<string, number>();
  const add = (prefix: string, table: Record<string, number>) => {
    for (const [k, v] of Object.entries(table)) values.set(prefix + k, v >>> 0);
  };
  add('STATUS_', STATUS);
  add('ERROR_', ERROR);
  add('METHOD_', METHOD);
  add('FILE_', FILE_ACCESS);
  values.set('FILE_READ_ACCESS', FILE_ACCESS.READ);
  values.set('FILE_WRITE_ACCESS', FILE_ACCESS.WRITE);
  values.set('FILE_ANY_ACCESS', FILE_ACCESS.ANY);
  values.set('FILE_SPECIAL_ACCESS', FILE_ACCESS.SPECIAL);
  add('FILE_DEVICE_', FILE_DEVICE);
  add('FILE_', FILE);
  add('', ACCESS);
  add('PAGE_', PAGE);
  add('WAIT_', WAIT);
  values.set('WAIT_ABANDONED', WAIT.ABANDONED_0);
  values.set('INFINITE', INFINITE);
  values.set('INVALID_HANDLE_VALUE', 0xffffffff);
  values.set('TRUE', 1);
  values.set('FALSE', 0);
  return values;
}

export type Evaluated = { ok: true; value: number } | { ok: false; message: string; hint: string | null };

/**
 * Named values and `A | B` expressions: a number (decimal or 0x hex), a name, names and
 * numbers joined by `|`, or `CTL_CODE(deviceType, function, method, access)`.
 */
export class NamedValues {
  private readonly values: Map<string, number>;

  constructor(values: Map<string, number> = builtInValues()) {
    this.values = values;
  }

  set(name: string, value: number): void {
    this.values.set(name, value >>> 0);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  names(): IterableIterator<string> {
    return this.values.keys();
  }

  /** The name of a value, preferring names that start with `prefix` (for narration). */
  nameOf(value: number, prefix: string): string | null {
    for (const [k, v] of this.values) if (v === value >>> 0 && k.startsWith(prefix)) return k;
    return null;
  }

  evaluate(input: number | string): Evaluated {
    if (typeof input === 'number') return { ok: true, value: input >>> 0 };
    const text = input.trim();
    const ctl = /^CTL_CODE\s*\((.*)\)$/s.exec(text);
    if (ctl !== null) {
      const args = ctl[1]!.split(',').map((a) => this.evaluate(a));
      if (args.length !== 4) return { ok: false, message: 'CTL_CODE takes four arguments: deviceType, function, method, access', hint: null };
      const bad = args.find((a) => !a.ok);
      if (bad !== undefined) return bad;
      const [d, f, m, a] = args.map((x) => (x as { value: number }).value) as [number, number, number, number];
      return { ok: true, value: CTL_CODE(d, f, m, a) };
    }
    let result = 0;
    for (const part of text.split('|')) {
      const token = part.trim();
      if (token === '') return { ok: false, message: `'${input}' is not a value`, hint: null };
      const number = parseNumber(token);
      if (number !== null) {
        result |= number;
        continue;
      }
      const named = this.values.get(token);
      if (named === undefined) {
        const close = didYouMean(token, this.values.keys());
        return { ok: false, message: `unknown value '${token}'`, hint: close === null ? null : `did you mean '${close}'?` };
      }
      result |= named;
    }
    return { ok: true, value: result >>> 0 };
  }
}

function parseNumber(token: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(token)) return parseInt(token.slice(2), 16) >>> 0;
  if (/^[0-9]+$/.test(token)) return Number(token) >>> 0;
  return null;
}
