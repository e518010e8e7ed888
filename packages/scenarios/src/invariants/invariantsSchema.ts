/** The JSON schema of a scenario's `invariants:` section (docs/scenario-format.md "Invariants"). */
const eventSchema = {
  description: 'A trace event type (io.irp.complete), or { type, where: { field: value } } to keep only events with those field values',
  anyOf: [
    { type: 'string', minLength: 1 },
    {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string', minLength: 1 }, where: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } } },
      additionalProperties: false,
    },
  ],
} as const;

export const invariantsSchema = {
  type: 'array',
  description: 'Invariants the run must keep: counts, orderings and eventually-conditions over trace events; a broken one is a violation',
  items: {
    type: 'object',
    properties: {
      id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: 'The check id its violations carry (default invariant-<n>)' },
      name: { type: 'string', minLength: 1, description: 'One line saying what it requires' },
      per: { type: 'string', minLength: 1, description: 'Group the events by this field (irp, tid …): the condition holds for each group' },
      count: eventSchema,
      'at-most': { type: 'integer', minimum: 0 },
      'at-least': { type: 'integer', minimum: 0 },
      before: { type: 'array', items: eventSchema, minItems: 2, maxItems: 2, description: '[A, B]: every B comes after an A' },
      eventually: eventSchema,
      after: eventSchema,
    },
    additionalProperties: false,
  },
} as const;
