import { encodeUtf8, STATUS } from '@irpsim/core';
import { DEFERRED_VERBS, LOG_FIELDS, type Amount, type DeferredAction, type InlineAction, type LengthName } from '@irpsim/driver-model';
import { IRP_MJ, majorName } from '@irpsim/io-manager';
import { parseHex } from '../actions/bytes.ts';
import { didYouMean } from './didYouMean.ts';
import { parseDuration } from './durations.ts';
import { BARE_DRIVER_VERBS, DRIVER_VERBS } from './inlineDriverSchema.ts';
import type { NamedValues, UnknownHint } from './NamedValues.ts';
import type { Path } from './SourceMap.ts';

export type Report = (path: Path, message: string, hint?: string | null) => void;

/** What compiling an inline driver needs from the loader. */
export interface InlineEnv {
  readonly values: NamedValues;
  readonly unknown: UnknownHint;
  /** An error at the value at `path`. */
  readonly error: Report;
  /** An error at the key `key` of the map at `path`. */
  readonly errorAtKey: (path: Path, key: string, message: string, hint?: string | null) => void;
}

/** Where a list runs: a dispatch routine (it has a request), a timer's or DPC's routine, or a completion routine. */
export type Where = 'dispatch' | 'deferred' | 'completion';

/** What compiling one inline driver's actions needs: the loader, and the names the driver's actions define. */
export interface ActionContext {
  readonly env: InlineEnv;
  readonly error: Report;
  readonly errorAtKey: (path: Path, key: string, message: string, hint?: string | null) => void;
  /** Queue names (`pend`) and event names (`events`, `reference-event`) of the driver. */
  readonly queues: ReadonlySet<string>;
  readonly events: ReadonlySet<string>;
  /** The driver is a filter: `forward` has a device below. */
  readonly hasLower: boolean;
}

const LENGTHS: readonly LengthName[] = ['inputLength', 'outputLength', 'length'];

/** An expression's value, or 0 after reporting why it has none. */
export function evaluate(input: number | string, path: Path, env: InlineEnv): number {
  const r = env.values.evaluate(input, env.unknown);
  if (r.ok) return r.value;
  env.error(path, r.message, r.hint);
  return 0;
}

/**
 * Compiles one list of driver actions into the interpreter's actions, reporting every
 * problem at its position; an action with an error is left out.
 */
export function compileDriverList(list: unknown, lpath: Path, where: Where, major: number | null, ctx: ActionContext): InlineAction[] {
  const out: InlineAction[] = [];
  if (!Array.isArray(list)) return out;
  list.forEach((item, i) => {
    const action = compileAction(item, [...lpath, i], where, major, ctx);
    if (action !== null) out.push(action);
  });
  return out;
}

function amountOf(input: unknown, p: Path, env: InlineEnv): Amount {
  if (typeof input === 'string' && (LENGTHS as readonly string[]).includes(input)) return input as LengthName;
  return typeof input === 'number' || typeof input === 'string' ? evaluate(input, p, env) : 0;
}

function bytesOf(spec: unknown, p: Path, error: Report): Uint8Array | null {
  const s = (spec ?? {}) as { text?: string; hex?: string };
  if (s.text !== undefined && s.hex !== undefined) {
    error([...p, 'hex'], 'give one of text or hex, not both');
    return null;
  }
  if (typeof s.text === 'string') return encodeUtf8(s.text);
  if (typeof s.hex === 'string') {
    const bytes = parseHex(s.hex);
    if (bytes === null) error([...p, 'hex'], `'${s.hex}' is not hex bytes`);
    return bytes;
  }
  error(p, 'give the bytes as text or hex');
  return null;
}

function compileAction(item: unknown, p: Path, where: Where, major: number | null, ctx: ActionContext): InlineAction | null {
  const { env, error, errorAtKey, queues, events } = ctx;
  // A bare word: `- echo`, `- forward` (other words are the schema's to report).
  const a: Record<string, unknown> = typeof item === 'string' ? (BARE_DRIVER_VERBS.includes(item as 'echo') ? { [item]: null } : {}) : ((item ?? {}) as Record<string, unknown>);
  const verb = Object.keys(a)[0];
  if (verb === undefined) return null;
  if (!DRIVER_VERBS.includes(verb)) {
    const close = didYouMean(verb, DRIVER_VERBS);
    errorAtKey(p, verb, `unknown driver action '${verb}'`, close !== null ? `did you mean '${close}'?` : `driver actions: ${DRIVER_VERBS.join(', ')}`);
    return null;
  }
  if (where !== 'dispatch' && !DEFERRED_VERBS.includes(verb)) {
    const place = where === 'deferred' ? 'a timer’s or DPC’s routine has no request of its own' : 'a completion routine runs after the request was completed below';
    errorAtKey(p, verb, `'${verb}' needs a request to act on: ${place}`, `here only ${DEFERRED_VERBS.join(', ')} may run`);
    return null;
  }
  const at = [...p, verb];
  const v = a[verb];
  switch (verb) {
    case 'require': {
      const spec = (v ?? {}) as Record<string, { atLeast?: unknown; atMost?: unknown } | undefined>;
      const field = LENGTHS.find((f) => spec[f] !== undefined);
      if (field === undefined) return null; // the schema says what is missing
      const others = LENGTHS.filter((f) => f !== field && spec[f] !== undefined);
      if (others.length > 0) error([...at, others[0]!], 'one length per require', 'give each check its own - require:');
      const b = spec[field]!;
      if (b.atLeast === undefined && b.atMost === undefined) error([...at, field], 'say atLeast, atMost or both');
      const hasField =
        major === null ||
        (major === IRP_MJ.DEVICE_CONTROL ? field !== 'length' : major === IRP_MJ.READ ? field !== 'inputLength' : major === IRP_MJ.WRITE ? field !== 'outputLength' : false);
      if (!hasField && major !== null) {
        errorAtKey(at, field, `${majorName(major)} requests have no ${field}`, 'inputLength and outputLength are an IOCTL’s (a write’s Length is its inputLength, a read’s its outputLength); length is a read’s or a write’s');
      }
      return {
        action: 'require',
        field,
        atLeast: b.atLeast === undefined ? null : amountOf(b.atLeast, [...at, field, 'atLeast'], env),
        atMost: b.atMost === undefined ? null : amountOf(b.atMost, [...at, field, 'atMost'], env),
        otherwise: a['else'] === undefined ? STATUS.BUFFER_TOO_SMALL : evaluate(a['else'] as number | string, [...p, 'else'], env),
      };
    }
    case 'echo':
      return { action: 'copy', from: 'input', to: 'output' };
    case 'copy': {
      const c = (v ?? {}) as { from?: 'input' | 'store'; to?: 'output' | 'store' };
      if (c.from === undefined || c.to === undefined) return null;
      if (c.from === 'store' && c.to === 'store') error(at, 'copy from the store to the store does nothing');
      return { action: 'copy', from: c.from, to: c.to };
    }
    case 'write': {
      const bytes = bytesOf(v, at, error);
      return bytes === null ? null : { action: 'write', bytes, offset: a['offset'] === undefined ? 0 : evaluate(a['offset'] as number | string, [...p, 'offset'], env) };
    }
    case 'information':
      return { action: 'information', value: amountOf(v, at, env) };
    case 'complete':
    case 'return':
      return { action: verb, status: evaluate(v as number | string, at, env) };
    case 'pend':
      return { action: 'pend', queue: String(v) };
    case 'complete-queued': {
      const queue = String(v);
      if (!queues.has(queue)) {
        const close = didYouMean(queue, queues);
        error(at, `no queue named '${queue}' in this driver: a queue is named by the pend that fills it`, close !== null ? `did you mean '${close}'?` : queues.size > 0 ? `queues: ${[...queues].join(', ')}` : 'add - pend: NAME where requests should wait');
      }
      const sameFile = a['sameFile'] === true;
      if (sameFile && where === 'deferred') error([...p, 'sameFile'], 'sameFile needs a request whose file object to match: a timer’s or DPC’s routine has none');
      return {
        action: 'complete-queued',
        queue,
        status: a['status'] === undefined ? STATUS.SUCCESS : evaluate(a['status'] as number | string, [...p, 'status'], env),
        bytes: a['write'] === undefined ? null : bytesOf(a['write'], [...p, 'write'], error),
        information: a['information'] === undefined ? null : evaluate(a['information'] as number | string, [...p, 'information'], env),
        all: a['all'] === true,
        sameFile,
      };
    }
    case 'timer': {
      const t = (v ?? {}) as { after?: number | string; then?: unknown };
      const d = t.after === undefined ? null : parseDuration(t.after);
      if (d !== null && !d.ok) error([...at, 'after'], d.message, d.hint);
      return { action: 'timer', afterNs: d?.ok === true ? d.ns : 0, then: compileDriverList(t.then, [...at, 'then'], 'deferred', null, ctx) as DeferredAction[] };
    }
    case 'dpc':
      return { action: 'dpc', then: compileDriverList((v as { then?: unknown } | null)?.then, [...at, 'then'], 'deferred', null, ctx) as DeferredAction[] };
    case 'forward': {
      if (!ctx.hasLower) error(typeof item === 'string' ? p : at, 'forward passes the request to the device below, and this driver has none', "only a filter has one: add attach: '\\Device\\Name'");
      const c = (v as { completion?: Record<string, unknown> } | null)?.completion;
      if (c === undefined) return { action: 'forward', completion: null };
      const flag = (k: string, dflt: boolean): boolean => (typeof c[k] === 'boolean' ? (c[k] as boolean) : dflt);
      return {
        action: 'forward',
        completion: {
          onSuccess: flag('onSuccess', true),
          onError: flag('onError', true),
          onCancel: flag('onCancel', true),
          propagatePending: flag('propagatePending', true),
          then: compileDriverList(c['then'], [...at, 'completion', 'then'], 'completion', null, ctx) as DeferredAction[],
        },
      };
    }
    case 'signal':
    case 'reference-event': {
      const event = String(v);
      if (verb === 'signal' && !events.has(event)) {
        const close = didYouMean(event, events);
        error(at, `no event named '${event}' in this driver`, close !== null ? `did you mean '${close}'?` : 'name one under events: (a named event), or keep one passed by handle with - reference-event: NAME');
      }
      if (verb === 'reference-event' && major !== null && major !== IRP_MJ.DEVICE_CONTROL && major !== IRP_MJ.WRITE) error(at, 'reference-event reads a handle from the input: use it for an IOCTL (or a write)');
      return { action: verb, event };
    }
    case 'log': {
      const text = String(v);
      for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
        const name = m[1]!;
        if (where === 'deferred') error(at, `'\${${name}}' has no request to show: a timer’s or DPC’s routine has none`);
        else if (!(LOG_FIELDS as readonly string[]).includes(name)) {
          const close = didYouMean(name, LOG_FIELDS);
          error(at, `a log line cannot show '\${${name}}'`, close !== null ? `did you mean '\${${close}}'?` : `it can show ${LOG_FIELDS.map((f) => `\${${f}}`).join(', ')}`);
        }
      }
      return { action: 'log', text };
    }
  }
  return null;
}
