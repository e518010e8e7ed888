/**
 * The JSON Schema of scenario files (draft-07). The loader validates with this object and
 * `packages/scenarios/scenario.schema.json` is generated from it (a test keeps them
 * equal), so editors and the loader can never disagree.
 */

const name = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' } as const;
/** A number, or a name or `A | B` expression of named values (resolved by the loader). */
const value = { type: ['integer', 'string'] } as const;
const byteCount = { type: 'integer', minimum: 0, maximum: 0x7fffffff } as const;

const bytes = {
  description: 'Bytes: text, hex, or size with a fill byte.',
  type: 'object',
  properties: {
    text: { type: 'string', description: 'UTF-8 text' },
    hex: { type: 'string', description: 'Hex bytes, spaces allowed: "48 65 6c"' },
    size: byteCount,
    fill: { type: 'integer', minimum: 0, maximum: 255 },
  },
  additionalProperties: false,
} as const;

const buffer = {
  description: 'A user buffer: new bytes (text / hex / size + fill), a named process buffer, or a raw address.',
  type: ['object', 'null'],
  properties: {
    ...bytes.properties,
    buffer: { type: 'string', description: 'A buffer declared under the process’s `buffers`' },
    offset: byteCount,
    length: byteCount,
    address: { type: 'integer', minimum: 0, maximum: 0xffffffff, description: 'A raw pointer (a kernel address, an unmapped one)' },
  },
  additionalProperties: false,
} as const;

const expectBytes = {
  type: 'object',
  properties: { text: { type: 'string' }, hex: { type: 'string' }, unchanged: { type: 'boolean', const: true } },
  additionalProperties: false,
} as const;

const expectCommon = {
  returns: { type: ['boolean', 'integer', 'string'], description: 'The API’s return value' },
  error: { ...value, description: 'GetLastError() after the call: a name (ERROR_MORE_DATA) or a number' },
  status: { ...value, description: 'The NTSTATUS the system service returned' },
} as const;

const action = (verb: string, description: string, verbValue: object, properties: Record<string, object>, expect: Record<string, object>) => ({
  description,
  type: 'object',
  required: [verb],
  properties: {
    [verb]: verbValue,
    ...properties,
    expect: { type: 'object', properties: { ...expectCommon, ...expect }, additionalProperties: false },
    note: { type: 'string', description: 'A comment shown in the narration' },
  },
  additionalProperties: false,
});

export const ACTIONS = {
  open: action(
    'open',
    'CreateFile: open a device by its Win32 name (\\\\.\\Name).',
    { type: 'string' },
    {
      access: { ...value, description: 'Desired access: GENERIC_READ | GENERIC_WRITE (default), 0, …' },
      share: value,
      disposition: { enum: ['CREATE_NEW', 'CREATE_ALWAYS', 'OPEN_EXISTING', 'OPEN_ALWAYS', 'TRUNCATE_EXISTING'] },
      overlapped: { type: 'boolean' },
      as: { ...name, description: 'Name the handle for later actions' },
    },
    { handle: { enum: ['valid', 'invalid'] } },
  ),
  close: action('close', 'CloseHandle.', { ...name, description: 'A handle named with `as`' }, {}, {}),
  ioctl: action(
    'ioctl',
    'DeviceIoControl with a named or numeric control code.',
    value,
    {
      handle: name,
      input: buffer,
      output: buffer,
      bytesReturned: {
        type: 'object',
        properties: { preset: { type: 'integer', minimum: 0, maximum: 0xffffffff } },
        additionalProperties: false,
      },
    },
    {
      bytes: { type: ['integer', 'string'], description: '*lpBytesReturned after the call, or "unchanged"' },
      output: expectBytes,
    },
  ),
} as const;

export type ActionVerb = keyof typeof ACTIONS;
export const VERBS = Object.keys(ACTIONS) as ActionVerb[];

export const scenarioSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://irpsim.dev/schema/scenario.json',
  title: 'irpsim scenario',
  type: 'object',
  required: ['name', 'description', 'processes'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: 'The scenario’s name: lower case and dashes' },
    description: { type: 'string', minLength: 1, description: 'One line saying what the scenario shows' },
    seed: { type: 'integer', minimum: 0, maximum: 0xffffffff, description: 'The pinned seed (default 1)' },
    machine: {
      type: 'object',
      properties: {
        strategy: { enum: ['random', 'first-come'] },
        verifier: { enum: ['off', 'standard', 'enhanced'] },
        windows: { enum: ['current', 'legacy'] },
        autoClearInitializing: { type: 'boolean' },
        cost: {
          type: 'object',
          properties: Object.fromEntries(
            ['syscallEntry', 'syscallExit', 'copyPerByte', 'pageMap', 'contextSwitch', 'interruptLatency', 'routineCall', 'irpAllocate', 'poolAllocate'].map(
              (k) => [k, { type: 'number', minimum: 0 }],
            ),
          ),
          additionalProperties: false,
        },
        budget: {
          type: 'object',
          properties: {
            maxSteps: { type: 'integer', minimum: 1 },
            maxTimeNs: { type: 'integer', minimum: 1 },
            idleNs: { type: 'integer', minimum: 1 },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    values: {
      type: 'object',
      description: 'Named values: numbers, expressions, or control codes built with CTL_CODE fields',
      additionalProperties: {
        anyOf: [
          value,
          {
            type: 'object',
            required: ['ctlCode'],
            properties: {
              ctlCode: {
                type: 'object',
                required: ['deviceType', 'function', 'method', 'access'],
                properties: { deviceType: value, function: value, method: value, access: value },
                additionalProperties: false,
              },
            },
            additionalProperties: false,
          },
        ],
      },
    },
    drivers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['use'],
        properties: { use: { type: 'string', description: 'A driver from the catalogue (irpsim list --drivers)' } },
        additionalProperties: false,
      },
    },
    processes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'threads'],
        properties: {
          name,
          buffers: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: { ...bytes.properties, protect: { enum: ['PAGE_READWRITE', 'PAGE_READONLY', 'PAGE_NOACCESS'] } },
              additionalProperties: false,
            },
          },
          threads: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['name', 'actions'],
              properties: {
                name,
                start: { type: 'integer', minimum: 0, description: 'Start after this many simulated nanoseconds' },
                actions: { type: 'array', items: { $ref: '#/definitions/action' } },
              },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    },
    expect: {
      type: 'object',
      properties: {
        outcome: { enum: ['completed', 'bugcheck', 'deadlock', 'budget-exhausted'] },
        bugcheck: {
          type: ['object', 'null'],
          properties: { code: value, name: { type: 'string' } },
          additionalProperties: false,
        },
        violations: { type: 'array', items: { type: 'string', description: 'A check id: 0xC9/0x23D, irp-use-after-complete, …' } },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
  definitions: {
    action: {
      type: 'object',
      allOf: VERBS.map((verb) => ({ if: { required: [verb] }, then: { $ref: `#/definitions/actions/${verb}` } })),
    },
    actions: ACTIONS,
  },
} as const;
