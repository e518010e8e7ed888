import type { Path } from './SourceMap.ts';

/**
 * The run-level `values` expectation: named values as the loader computed them — a control
 * code from its CTL_CODE fields (IO-2.1), an expression — each compared with the number a
 * header or a document gives.
 */
export type ValuesExpect = readonly { readonly name: string; readonly wanted: number; readonly actual: number }[];

export const valuesExpectSchema = {
  type: 'object',
  description: 'Named values as computed, each compared with a number: { IOCTL_ECHO_READ: 0x00226000 } (IO-2.1)',
  additionalProperties: { type: 'integer', minimum: 0, maximum: 0xffffffff },
} as const;

/** `evaluate` computes a name as every value of the file is computed (an unknown name is reported there). */
export function compileValuesExpect(data: unknown, evaluate: (input: string, path: Path) => number): ValuesExpect | null {
  if (data === undefined || data === null || typeof data !== 'object') return null;
  return Object.entries(data as Record<string, number>).map(([name, wanted]) => ({ name, wanted: wanted >>> 0, actual: evaluate(name, ['expect', 'values', name]) >>> 0 }));
}

/** The expectations `values` adds to the verdict. */
export function checkValues(expect: ValuesExpect): { description: string; expected: unknown; actual: unknown; passed: boolean }[] {
  const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
  return expect.map(({ name, wanted, actual }) => ({ description: `run: value ${name}`, expected: hex(wanted), actual: hex(actual), passed: actual === wanted }));
}
