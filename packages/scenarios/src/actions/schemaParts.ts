/** JSON Schema pieces the action definitions share. */

import { durationSchema } from '../format/durations.ts';

export const nameSchema = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' } as const;
/** A number, or a name or `A | B` expression of named values (resolved by the loader). */
export const valueSchema = { type: ['integer', 'string'] } as const;
export const byteCountSchema = { type: 'integer', minimum: 0, maximum: 0x7fffffff } as const;
/** A byte count or offset: a number, or an expression (it may use a repeat counter: `i * 8`). */
export const countSchema = { type: ['integer', 'string'], minimum: 0, maximum: 0x7fffffff, description: 'A number of bytes, or an expression such as "i * 8"' } as const;
/** A Win32 timeout: a time (bare numbers are milliseconds) or INFINITE. */
export const timeoutSchema = { ...durationSchema, description: 'A time (a number of milliseconds, or 250us, 2ms, 1s), or INFINITE' } as const;

/** Page protections a buffer, an alloc or protect may give. */
export const PROTECTIONS = ['PAGE_READWRITE', 'PAGE_READONLY', 'PAGE_NOACCESS'] as const;
export const protectionSchema = { enum: PROTECTIONS, description: 'The page protection: PAGE_READWRITE, PAGE_READONLY or PAGE_NOACCESS' } as const;

export const bytesProperties = {
  text: { type: 'string', description: 'UTF-8 text; ${expression} parts are replaced by their value' },
  hex: { type: 'string', description: 'Hex bytes, spaces allowed: "48 65 6c"' },
  size: byteCountSchema,
  fill: { type: 'integer', minimum: 0, maximum: 255 },
} as const;

export const bufferSchema = {
  description: 'A user buffer: new bytes (text / hex / size + fill, a handle, u32 words), a named buffer of the process, or a raw address with a length.',
  type: ['object', 'null'],
  properties: {
    ...bytesProperties,
    buffer: { type: 'string', description: 'A buffer named under `buffers:`, by `alloc` or by `map-view … as:`' },
    offset: countSchema,
    length: countSchema,
    address: {
      type: ['integer', 'string'],
      minimum: 0,
      maximum: 0xffffffff,
      description: 'A raw pointer (a kernel address, an unmapped one, 0; needs `length`), or the name of a pool buffer a kernel: true thread allocated (`alloc`)',
    },
    handle: { ...nameSchema, description: 'Fresh memory holding the value of a named handle: 4 bytes, as *(HANDLE *)p = h writes it' },
    u32: {
      type: 'array',
      description: 'Fresh memory holding 32-bit little-endian words: values, or { handle: name } for a handle’s value',
      items: { anyOf: [valueSchema, { type: 'object', required: ['handle'], properties: { handle: nameSchema }, additionalProperties: false }] },
    },
  },
  additionalProperties: false,
} as const;

export const expectBytesSchema = {
  type: 'object',
  properties: { text: { type: 'string' }, hex: { type: 'string' }, unchanged: { type: 'boolean', const: true } },
  additionalProperties: false,
} as const;

/** The expectations every API call has. */
export const commonExpect = {
  returns: { type: ['boolean', 'integer', 'string'], description: 'The API’s return value: TRUE/FALSE, or a named value (WAIT_OBJECT_0)' },
  error: { ...valueSchema, description: 'GetLastError() after the call: a name (ERROR_MORE_DATA) or a number' },
  status: { ...valueSchema, description: 'The NTSTATUS the system service returned' },
  irps: { type: 'array', items: valueSchema, description: 'The IRPs the call brought to a driver, by major function (IRP_MJ_CREATE, …); [] = no driver was called' },
} as const;

export const handleExpect = { handle: { enum: ['valid', 'invalid'] } } as const;
export const asProperty = { as: { ...nameSchema, description: 'Name the result for later actions' } } as const;
export const actionsSchema = { type: 'array', items: { $ref: '#/definitions/action' } } as const;
