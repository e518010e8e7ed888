/**
 * The JSON Schema of inline drivers (`drivers: - name: …`): the driver, its dispatch
 * lists and each driver action. scenarioSchema.ts puts these under `definitions`, so the
 * loader validates them and editors complete them.
 */

import { valueSchema as value } from '../actions/schemaParts.ts';
import { durationSchema } from './durations.ts';

/** Keys only an inline driver has: an entry of `drivers:` with one of them declares a driver; any other `use`s one. */
export const INLINE_DRIVER_KEYS = ['name', 'device', 'attach', 'dispatch'] as const;

/** Driver actions written as a bare word: `- echo`, `- forward`. */
export const BARE_DRIVER_VERBS = ['echo', 'forward'] as const;

const list = { $ref: '#/definitions/driverActionList' } as const;
const bytes = {
  type: 'object',
  properties: { text: { type: 'string', description: 'UTF-8 text' }, hex: { type: 'string', description: 'Hex bytes, spaces allowed: "01 00 00 00"' } },
  additionalProperties: false,
} as const;
const amount = { ...value, description: 'A number, an expression, or one of the request’s lengths: inputLength, outputLength, length' } as const;
const bound = {
  type: 'object',
  properties: { atLeast: amount, atMost: amount },
  additionalProperties: false,
} as const;
const queueName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$', description: 'A cancel-safe queue of this driver (named by `pend`)' } as const;
const eventName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$', description: 'An event: one of the driver’s `events`, or one kept by `reference-event`' } as const;

/** Each driver action's schema, by verb: the verb's key, and its other keys. */
const verbs: Record<string, { description: string; properties: Record<string, unknown> }> = {
  require: {
    description: 'Checks the request’s lengths; when a check fails, completes it with `else` (STATUS_BUFFER_TOO_SMALL) and Information 0, and ends the list',
    properties: {
      require: { type: 'object', properties: { inputLength: bound, outputLength: bound, length: bound }, additionalProperties: false, minProperties: 1 },
      else: { ...value, description: 'The status of a failed check (default STATUS_BUFFER_TOO_SMALL)' },
    },
  },
  echo: { description: 'Copies the input to the output (as much as fits) and sets Information: copy from input to output', properties: { echo: { type: ['null', 'boolean'] } } },
  copy: {
    description: 'Copies bytes: from the input or the device store, to the output or the device store; sets Information to the count',
    properties: { copy: { type: 'object', required: ['from', 'to'], properties: { from: { enum: ['input', 'store'] }, to: { enum: ['output', 'store'] } }, additionalProperties: false } },
  },
  write: {
    description: 'Writes given bytes into the output buffer (as much as fits) and sets Information to where they end',
    properties: { write: bytes, offset: { ...value, description: 'Where in the output (default 0)' } },
  },
  information: { description: 'Sets Irp->IoStatus.Information', properties: { information: amount } },
  complete: { description: 'Sets Irp->IoStatus.Status and completes the request (IoCompleteRequest); the dispatch routine returns this status', properties: { complete: value } },
  return: { description: 'Makes the dispatch routine return this status whatever else happened (a buggy twin: IO-5.14)', properties: { return: value } },
  pend: { description: 'Queues the request in a cancel-safe queue (IoCsqInsertIrp marks it pending); the dispatch routine returns STATUS_PENDING', properties: { pend: queueName } },
  'complete-queued': {
    description: 'Takes the oldest request (or all) out of a queue and completes it',
    properties: {
      'complete-queued': queueName,
      status: { ...value, description: 'Its status (default STATUS_SUCCESS)' },
      write: { ...bytes, description: 'Bytes written into its output buffer first (as much as fits)' },
      information: { ...value, description: 'Its Information (default: the number of bytes written)' },
      all: { type: 'boolean', description: 'Every queued request, oldest first' },
      sameFile: { type: 'boolean', description: 'Only requests of the current request’s file object (in CLEANUP)' },
    },
  },
  timer: {
    description: 'Sets a timer (KeSetTimer) whose DPC runs `then` after a delay',
    properties: { timer: { type: 'object', required: ['after', 'then'], properties: { after: durationSchema, then: list }, additionalProperties: false } },
  },
  dpc: {
    description: 'Queues a DPC (KeInsertQueueDpc) that runs `then`; queued twice before it runs, it runs once',
    properties: { dpc: { type: 'object', required: ['then'], properties: { then: list }, additionalProperties: false } },
  },
  forward: {
    description: 'Passes the request to the device below (a filter): without a completion routine (IoSkipCurrentIrpStackLocation) or with one',
    properties: {
      forward: {
        type: ['object', 'null'],
        properties: {
          completion: {
            type: 'object',
            properties: {
              onSuccess: { type: 'boolean' },
              onError: { type: 'boolean' },
              onCancel: { type: 'boolean' },
              propagatePending: { type: 'boolean', description: 'if (Irp->PendingReturned) IoMarkIrpPending(Irp) (default true; false is a bug: IO-5.13)' },
              then: list,
            },
            additionalProperties: false,
          },
        },
        additionalProperties: false,
      },
    },
  },
  signal: { description: 'Sets an event (KeSetEvent)', properties: { signal: eventName } },
  'reference-event': {
    description: 'Takes the event handle in the first 4 input bytes (ObReferenceObjectByHandle, in the caller’s context and mode) and keeps it under this name',
    properties: { 'reference-event': eventName },
  },
  log: { description: 'A DbgPrint line; ${inputLength}, ${outputLength}, ${length}, ${ioControlCode}, ${input}, ${irp}, ${status}, ${information} show the request', properties: { log: { type: 'string' } } },
};

export const DRIVER_VERBS = Object.keys(verbs);

/**
 * When an item is this verb's: it has the verb's key, and no other verb owns that key as
 * a parameter (`complete-queued` takes `write` and `information`, which are verbs too).
 */
function verbIf(verb: string): object {
  const owners = DRIVER_VERBS.filter((other) => other !== verb && verb in verbs[other]!.properties);
  return owners.length === 0 ? { required: [verb] } : { required: [verb], not: { anyOf: owners.map((o) => ({ required: [o] })) } };
}

export const driverDefinitions = {
  driverActionList: { type: 'array', items: { $ref: '#/definitions/driverAction' } },
  driverAction: {
    type: ['object', 'string'],
    description: 'A driver action: a map whose first key is its verb, or a bare echo / forward',
    if: { type: 'string' },
    then: { enum: BARE_DRIVER_VERBS },
    else: { allOf: DRIVER_VERBS.map((verb) => ({ if: verbIf(verb), then: { $ref: `#/definitions/driverActions/${verb}` } })) },
  },
  driverActions: Object.fromEntries(
    Object.entries(verbs).map(([verb, v]) => [verb, { description: v.description, type: 'object', required: [verb], properties: v.properties, additionalProperties: false }]),
  ),
} as const;

/** One entry of `drivers:` that declares a driver instead of `use`-ing one. */
export const inlineDriverSchema = {
  type: 'object',
  required: ['name', 'dispatch'],
  description: 'A driver declared here: its device, flags, values and one list of driver actions per major function or IOCTL code',
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: 'The driver’s name: lower case and dashes' },
    description: { type: 'string' },
    service: { type: 'string', description: 'The service name: the driver object is \\Driver\\<service> (default: the name in PascalCase)' },
    device: { type: 'string', description: 'The device object’s name: \\Device\\Name (none: an unnamed device, as filters have)' },
    link: { type: 'string', description: 'A symbolic link to the device: \\DosDevices\\Name, opened as \\\\.\\Name' },
    flags: { type: 'array', items: { enum: ['DO_BUFFERED_IO', 'DO_DIRECT_IO'] }, description: 'How reads and writes reach the driver (neither: no flag)' },
    exclusive: { type: 'boolean', description: 'One open file object at a time (IoCreateDevice’s Exclusive)' },
    attach: { type: 'string', description: 'A filter: attach above the stack of this device (\\Device\\Name); requests it does not handle pass down' },
    values: { $ref: '#/properties/values' },
    events: {
      type: 'object',
      description: 'Named events the driver creates (\\BaseNamedObjects\\Name): user mode opens them with open-event',
      additionalProperties: { enum: ['notification', 'synchronization'] },
    },
    dispatch: {
      type: 'object',
      description: 'Per major function (IRP_MJ_CREATE, … or create, cleanup, close, read, write, device-control), per IOCTL code, or default: a list of driver actions',
      additionalProperties: list,
    },
  },
  additionalProperties: false,
} as const;
