import { CTL_CODE, DO, IRP_MJ } from '@irpsim/io-manager';
import { inlineDriver, serviceNameOf, type DriverDefinition, type InlineAction, type InlineDriverSpec } from '@irpsim/driver-model';
import { compileDriverList, evaluate, type ActionContext, type InlineEnv, type Report } from './compileDriverAction.ts';
import { didYouMean } from './didYouMean.ts';
import { CTL_FIELDS, ctlFieldProblem } from './NamedValues.ts';
import type { Path } from './SourceMap.ts';

export type { InlineEnv } from './compileDriverAction.ts';

/** An inline driver entry as the schema lets it through. */
export interface InlineDriverData {
  name: string;
  description?: string;
  service?: string;
  device?: string;
  link?: string;
  flags?: string[];
  exclusive?: boolean;
  attach?: string;
  values?: Record<string, unknown>;
  events?: Record<string, 'notification' | 'synchronization'>;
  dispatch: Record<string, unknown>;
}

/** Dispatch keys that name a major function, in both spellings. */
const MAJOR_KEYS: Readonly<Record<string, number>> = {
  IRP_MJ_CREATE: IRP_MJ.CREATE,
  IRP_MJ_CLEANUP: IRP_MJ.CLEANUP,
  IRP_MJ_CLOSE: IRP_MJ.CLOSE,
  IRP_MJ_READ: IRP_MJ.READ,
  IRP_MJ_WRITE: IRP_MJ.WRITE,
  IRP_MJ_DEVICE_CONTROL: IRP_MJ.DEVICE_CONTROL,
  create: IRP_MJ.CREATE,
  cleanup: IRP_MJ.CLEANUP,
  close: IRP_MJ.CLOSE,
  read: IRP_MJ.READ,
  write: IRP_MJ.WRITE,
  'device-control': IRP_MJ.DEVICE_CONTROL,
};

const VALUE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Phase one, while the loader reads `drivers:`: the driver's own named values, which the
 * rest of the file may use. Returns them and phase two, which compiles the dispatch lists
 * once the file's `values:` are known and builds the driver (null after an error).
 */
export function declareInlineDriver(d: InlineDriverData, path: Path, env: InlineEnv): { values: Map<string, number>; finish: () => DriverDefinition | null } {
  const own = new Map<string, number>();
  for (const [name, v] of Object.entries(record(d.values))) {
    const vpath = [...path, 'values', name];
    if (!VALUE_NAME.test(name)) {
      env.errorAtKey([...path, 'values'], name, `'${name}' cannot name a value: use letters, digits and _, starting with a letter or _`);
      continue;
    }
    if (env.values.builtIn.has(name)) {
      env.errorAtKey([...path, 'values'], name, `'${name}' is already a built-in name`, 'choose another name: a value of your own may not hide a Windows name');
      continue;
    }
    if (env.values.has(name)) {
      env.errorAtKey([...path, 'values'], name, `'${name}' is already defined by another driver`, 'choose another name');
      continue;
    }
    const value = evaluateValue(v, vpath, env);
    env.values.set(name, value);
    own.set(name, value);
  }
  return { values: own, finish: () => finishInlineDriver(d, path, env, own) };
}

/** A value of `values:`: a number, an expression, or `{ ctlCode: { … } }`. */
function evaluateValue(v: unknown, path: Path, env: InlineEnv): number {
  if (typeof v === 'number' || typeof v === 'string') return evaluate(v, path, env);
  const fields = (v as { ctlCode?: Record<string, unknown> } | null)?.ctlCode;
  if (fields === null || typeof fields !== 'object') return 0;
  const parts = CTL_FIELDS.map((field, i) => {
    const x = fields[field.name];
    if (typeof x !== 'number' && typeof x !== 'string') return 0;
    const fpath = [...path, 'ctlCode', field.name];
    const n = evaluate(x, fpath, env);
    const problem = ctlFieldProblem(i, n);
    if (problem !== null) env.error(fpath, problem);
    return n;
  });
  return CTL_CODE(...(parts as [number, number, number, number]));
}


function finishInlineDriver(d: InlineDriverData, path: Path, env: InlineEnv, own: ReadonlyMap<string, number>): DriverDefinition | null {
  let failed = false;
  const error: Report = (p, message, hint = null) => {
    failed = true;
    env.error(p, message, hint);
  };
  const errorAtKey = (p: Path, key: string, message: string, hint: string | null = null) => {
    failed = true;
    env.errorAtKey(p, key, message, hint);
  };

  if (d.device !== undefined && !/^\\Device\\[^\\]+$/.test(d.device)) error([...path, 'device'], `'${d.device}' is not a device name`, 'write \\Device\\Name, in single quotes');
  if (d.link !== undefined) {
    if (!/^\\(?:DosDevices|\?\?|GLOBAL\?\?)\\[^\\]+$/.test(d.link)) error([...path, 'link'], `'${d.link}' is not a symbolic link name`, "write \\DosDevices\\Name: programs then open '\\\\.\\Name'");
    else if (d.device === undefined) error([...path, 'link'], 'a link needs a device name to point to', "add device: '\\Device\\Name'");
  }
  if (d.attach !== undefined && !/^\\Device\\[^\\]+$/.test(d.attach)) error([...path, 'attach'], `'${d.attach}' is not a device name`, 'write the device to attach above: \\Device\\Name');
  if (d.device === undefined && d.attach === undefined) error(path, 'an inline driver needs a device or attach', "give device: '\\Device\\Name' (and link: '\\DosDevices\\Name'), or attach: '\\Device\\Other' for a filter");
  const flags = (Array.isArray(d.flags) ? d.flags : []).reduce((f, name) => f | (name === 'DO_DIRECT_IO' ? DO.DIRECT_IO : DO.BUFFERED_IO), 0);
  if ((flags & DO.BUFFERED_IO) !== 0 && (flags & DO.DIRECT_IO) !== 0) error([...path, 'flags'], 'DO_BUFFERED_IO and DO_DIRECT_IO exclude each other', 'choose one; with neither, reads and writes get the caller’s raw pointer');

  // Names the driver's actions define, for the checks of the actions that use them.
  const queues = new Set<string>();
  const events = new Set(Object.keys(record(d.events)));
  const collect = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      if (item === null || typeof item !== 'object') continue;
      const a = item as Record<string, unknown>;
      if (typeof a['pend'] === 'string') queues.add(a['pend']);
      if (typeof a['reference-event'] === 'string') events.add(a['reference-event']);
      const inner = a['timer'] ?? a['dpc'];
      if (inner !== null && typeof inner === 'object') collect((inner as { then?: unknown }).then);
      const fwd = a['forward'] as { completion?: { then?: unknown } } | null | undefined;
      if (fwd !== null && typeof fwd === 'object') collect(fwd.completion?.then);
    }
  };
  for (const list of Object.values(record(d.dispatch))) collect(list);

  const ctx: ActionContext = { env, error, errorAtKey, queues, events, hasLower: d.attach !== undefined };
  const majors = new Map<number, readonly InlineAction[]>();
  const ioctls = new Map<number, readonly InlineAction[]>();
  let otherwise: readonly InlineAction[] | null = null;
  const seen = new Map<string, string>();
  for (const [key, list] of Object.entries(record(d.dispatch))) {
    const lpath = [...path, 'dispatch', key];
    const major = MAJOR_KEYS[key];
    let id: string;
    let target: ((l: readonly InlineAction[]) => void) | null = null;
    if (key === 'default') {
      id = 'default';
      target = (l) => void (otherwise = l);
    } else if (major !== undefined) {
      id = `major ${major}`;
      target = (l) => void majors.set(major, l);
    } else if (key.startsWith('IRP_MJ_') && env.values.has(key)) {
      errorAtKey([...path, 'dispatch'], key, `an inline driver does not handle ${key}`, 'it handles IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_READ, IRP_MJ_WRITE and IRP_MJ_DEVICE_CONTROL (and IOCTL codes)');
      continue;
    } else {
      const r = env.values.evaluate(key, (name, close) => env.unknown(name, close ?? didYouMean(name, Object.keys(MAJOR_KEYS).concat('default'))));
      if (!r.ok) {
        errorAtKey([...path, 'dispatch'], key, r.message, r.hint ?? 'a dispatch key is a major function (IRP_MJ_READ or read, …), an IOCTL code, or default');
        continue;
      }
      id = `code ${r.value}`;
      target = (l) => void ioctls.set(r.value, l);
    }
    const first = seen.get(id);
    if (first !== undefined) {
      errorAtKey([...path, 'dispatch'], key, `'${key}' handles the same requests as '${first}'`, 'give each major function or IOCTL code one list');
      continue;
    }
    seen.set(id, key);
    target(compileDriverList(list, lpath, 'dispatch', major ?? (key === 'default' ? null : IRP_MJ.DEVICE_CONTROL), ctx));
  }

  if (failed) return null;
  return inlineDriver({
    name: d.name,
    ...(d.description !== undefined ? { description: d.description } : {}),
    serviceName: d.service ?? serviceNameOf(d.name),
    device: d.device ?? null,
    link: d.link ?? null,
    flags,
    exclusive: d.exclusive ?? false,
    attach: d.attach ?? null,
    values: Object.fromEntries(own),
    events: record(d.events) as InlineDriverSpec['events'],
    dispatch: { majors, ioctls, otherwise },
  });
}

/** A map the schema may have rejected: its entries, or none. */
function record(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}
