/**
 * The JSON Schema of scenario files (draft-07). The loader validates with this object and
 * `packages/scenarios/scenario.schema.json` is generated from it (a test keeps them
 * equal), so editors and the loader can never disagree.
 */

import { ACTIONS } from '../actions/compileAction.ts';
import { elapsedSchema } from '../actions/elapsedExpectation.ts';
import { bytesProperties, commonExpect, nameSchema as name, protectionSchema, valueSchema as value } from '../actions/schemaParts.ts';
import { durationSchema } from './durations.ts';
import { finalSchema } from './finalExpect.ts';
import { driverCallsSchema, logSchema } from './traceExpect.ts';
import { valuesExpectSchema } from './valuesExpect.ts';
import { moduleDriverSchema } from './moduleDriver.ts';
import { untilSchema } from './untilCondition.ts';
import { driverDefinitions, INLINE_DRIVER_KEYS, inlineDriverSchema } from './inlineDriverSchema.ts';
import { reportSchema } from '../report/reportSchema.ts';
import { invariantsSchema } from '../invariants/invariantsSchema.ts';

/** Every verb available today. */
export const VERBS = Object.keys(ACTIONS);

/** The schema of one action: its verb, its keys, its expectations. */
const actionSchemas = Object.fromEntries(
  Object.entries(ACTIONS).map(([verb, def]) => [
    verb,
    {
      description: def.description,
      type: 'object',
      required: [verb],
      properties: {
        [verb]: def.value,
        ...def.properties,
        expect: { type: 'object', properties: { ...(def.call === false ? {} : { ...commonExpect, elapsed: elapsedSchema }), ...def.expect }, additionalProperties: false },
        note: { type: 'string', description: 'A comment shown in the narration where the action runs' },
      },
      additionalProperties: false,
    },
  ]),
);

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
        cpus: { type: 'integer', minimum: 1, maximum: 64, description: 'Number of CPUs (default 2)' },
        until: untilSchema,
        adversaries: {
          description: 'Adversary modes to switch on (docs/verifier.md "Adversaries"): all, or a list',
          anyOf: [{ const: 'all' }, { type: 'array', items: { enum: ['force-pending', 'inject-cancel', 'fail-allocations', 'end-threads', 'close-handles'] }, uniqueItems: true }],
        },
        cost: {
          type: 'object',
          properties: Object.fromEntries(
            ['syscallEntry', 'syscallExit', 'copyPerByte', 'pageMap', 'contextSwitch', 'interruptLatency', 'routineCall', 'irpAllocate', 'poolAllocate'].map(
              (k) => [k, { type: ['number', 'string'], minimum: 0, description: 'Simulated nanoseconds (a bare number; fractions allowed), or a time with its unit: 2us' }],
            ),
          ),
          additionalProperties: false,
        },
        budget: {
          type: 'object',
          properties: {
            maxSteps: { type: 'integer', minimum: 1 },
            maxTime: { ...durationSchema, description: 'The latest simulated time (a time: bare numbers are milliseconds; 1s, 500ms)' },
            idle: { ...durationSchema, description: 'How long only background work may run while user threads are blocked before the run is a deadlock' },
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
        // [driver-model] An entry with a key only inline drivers have declares one; any other `use`s a catalogue driver.
        if: { anyOf: INLINE_DRIVER_KEYS.map((key) => ({ required: [key] })) },
        then: { $ref: '#/definitions/inlineDriver' },
        else: {
          // An entry with `module:` names a TypeScript driver the CLI imports (format/moduleDriver.ts).
          if: { required: ['module'] },
          then: moduleDriverSchema,
          else: {
            required: ['use'],
            properties: { use: { type: 'string', description: 'A driver from the catalogue (irpsim list --drivers)' } },
            additionalProperties: false,
          },
        },
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
              properties: { ...bytesProperties, protection: protectionSchema },
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
                start: { ...durationSchema, description: 'When the thread starts, after its process: a time (bare numbers are milliseconds; 5us, 2ms)' },
                kernel: { type: 'boolean', description: 'A system thread (process System only): PreviousMode = KernelMode, pool buffers; its actions are kernel-ioctl, mark, and alloc, open, close, ioctl, read, write as ExAllocatePool2 and synchronous Zw calls (IO-3.10, IO-10.1)' },
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
          properties: {
            code: value,
            name: { type: 'string' },
            params: {
              type: 'array',
              maxItems: 4,
              items: { anyOf: [value, { type: 'null' }] },
              description: 'The first stop parameters, in order (null: any); e.g. [0x226] for 0xC9 subcode 0x226',
            },
          },
          additionalProperties: false,
        },
        violations: { type: 'array', items: { type: 'string', description: 'A check id: 0xC9/0x23D, irp-use-after-complete, …' } },
        processes: {
          type: 'object',
          description: 'Per process: the status it must exit with',
          additionalProperties: { type: 'object', properties: { exitStatus: value }, additionalProperties: false },
        },
        unfinished: {
          type: 'array',
          description: 'Threads (process/thread) allowed to stop before the end of their actions; every other thread must finish them',
          items: { type: 'string', pattern: '^[^/]+/[^/]+$' },
        },
        final: finalSchema,
        log: logSchema,
        driverCalls: driverCallsSchema,
        values: valuesExpectSchema,
      },
      additionalProperties: false,
    },
    report: reportSchema,
    invariants: invariantsSchema,
  },
  additionalProperties: false,
  definitions: {
    action: {
      type: 'object',
      allOf: VERBS.map((verb) => ({ if: { required: [verb] }, then: { $ref: `#/definitions/actions/${verb}` } })),
    },
    actions: actionSchemas,
    inlineDriver: inlineDriverSchema,
    ...driverDefinitions,
  },
} as const;
