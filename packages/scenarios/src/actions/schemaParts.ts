/** JSON Schema pieces the action definitions share. */

export const nameSchema = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' } as const;
/** A number, or a name or `A | B` expression of named values (resolved by the loader). */
export const valueSchema = { type: ['integer', 'string'] } as const;
export const byteCountSchema = { type: 'integer', minimum: 0, maximum: 0x7fffffff } as const;
export const msSchema = { type: ['integer', 'string'], description: 'Milliseconds, or INFINITE' } as const;

export const bytesProperties = {
  text: { type: 'string', description: 'UTF-8 text' },
  hex: { type: 'string', description: 'Hex bytes, spaces allowed: "48 65 6c"' },
  size: byteCountSchema,
  fill: { type: 'integer', minimum: 0, maximum: 255 },
} as const;

export const bufferSchema = {
  description: 'A user buffer: new bytes (text / hex / size + fill), a named buffer of the process, or a raw address.',
  type: ['object', 'null'],
  properties: {
    ...bytesProperties,
    buffer: { type: 'string', description: 'A buffer named under `buffers:` or by `alloc`' },
    offset: byteCountSchema,
    length: byteCountSchema,
    address: { type: 'integer', minimum: 0, maximum: 0xffffffff, description: 'A raw pointer (a kernel address, an unmapped one)' },
  },
  additionalProperties: false,
} as const;

export const expectBytesSchema = {
  type: 'object',
  properties: { text: { type: 'string' }, hex: { type: 'string' }, unchanged: { type: 'boolean', const: true } },
  additionalProperties: false,
} as const;

/** The expectations every action has. */
export const commonExpect = {
  returns: { type: ['boolean', 'integer', 'string'], description: 'The API’s return value: TRUE/FALSE, or a named value (WAIT_OBJECT_0)' },
  error: { ...valueSchema, description: 'GetLastError() after the call: a name (ERROR_MORE_DATA) or a number' },
  status: { ...valueSchema, description: 'The NTSTATUS the system service returned' },
} as const;

export const handleExpect = { handle: { enum: ['valid', 'invalid'] } } as const;
export const asProperty = { as: { ...nameSchema, description: 'Name the result for later actions' } } as const;
export const actionsSchema = { type: 'array', items: { $ref: '#/definitions/action' } } as const;
