import { COMPARE_OPS, MEASURES } from './ReportSpec.ts';

const measureNames = Object.keys(MEASURES);
const eventType = { type: 'string', pattern: '^[a-z0-9]+(\\.[a-z0-9-]+)+$', description: 'A trace event type: io.copy, io.irp.complete, …' } as const;
const cell = {
  type: 'object',
  required: ['row'],
  properties: { row: { type: 'string', description: 'A row label' }, column: { type: 'string', description: 'A column title (default: the same column)' } },
  additionalProperties: false,
} as const;

/** The JSON Schema of the top-level `report:` section (docs/scenario-format.md, "Reports"). */
export const reportSchema = {
  type: 'object',
  description: 'A table computed from the run, printed after the narration and carried in the JSON output',
  required: ['columns'],
  properties: {
    title: { type: 'string', minLength: 1, description: 'The heading of the table (default: the scenario name)' },
    rows: { enum: ['calls', 'notes', 'threads', 'run'], description: 'One row per Win32 call, per note, per user thread, or one row for the whole run (default: calls)' },
    api: {
      type: 'array',
      items: { type: 'string' },
      minItems: 1,
      description: 'Win32 APIs: which calls make rows (rows: calls), or which calls the `calls` measure counts',
    },
    threads: { type: 'array', items: { type: 'string', pattern: '^[^/]+/[^/]+$' }, minItems: 1, description: 'Only rows of these threads (process/thread)' },
    columns: {
      type: 'array',
      minItems: 1,
      items: {
        anyOf: [
          { enum: measureNames, description: 'A measure; the column is titled by its name' },
          {
            type: 'object',
            properties: {
              title: { type: 'string', minLength: 1 },
              measure: { enum: measureNames },
              count: eventType,
              sum: { type: 'string', pattern: '^[a-z0-9]+(\\.[a-z0-9-]+)+\\.[A-Za-z]+$', description: 'TYPE.FIELD: the sum of a numeric field, io.copy.length' },
              per: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { enum: measureNames }], description: 'Divide by a number, or by a count of the same row (calls, irps, copies …)' },
            },
            additionalProperties: false,
          },
        ],
      },
    },
    expect: {
      type: 'array',
      description: 'Checks on cells: each is an expectation of the run',
      items: {
        type: 'object',
        required: ['row', 'column'],
        properties: {
          row: { type: 'string', description: 'The label of a row' },
          column: { type: 'string', description: 'The title of a column' },
          ...Object.fromEntries(COMPARE_OPS.map((op) => [op, { anyOf: [{ type: 'number' }, cell] }])),
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
