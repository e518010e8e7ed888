import { PAGE, fnv1a64 } from '@irpsim/core';
import { catalogue as defaultCatalogue, type DriverDefinition } from '@irpsim/driver-model';
import { CTL_CODE } from '@irpsim/io-manager';
import { LineCounter, parseDocument } from 'yaml';
import type { ActionData, CompileEnv, Step, ThreadRuntime } from '../actions/ActionEnv.ts';
import { specBytes } from '../actions/bytes.ts';
import { COMPILERS, PLANNED } from '../actions/compileAction.ts';
import {
  DEFAULT_EXPECT,
  DEFAULT_MACHINE,
  type BufferSpec,
  type MachineSettings,
  type ProcessSpec,
  type RunExpectations,
  type ScenarioSpec,
  type ThreadContext,
  type ThreadSpec,
} from '../run/ScenarioSpec.ts';
import { didYouMean } from './didYouMean.ts';
import type { LoadError } from './LoadError.ts';
import { NamedValues } from './NamedValues.ts';
import { VERBS } from './scenarioSchema.ts';
import { SourceMap, type Path } from './SourceMap.ts';
import { stableJson } from './stableJson.ts';
import { validateSchema } from './validateSchema.ts';

export interface LoadOptions {
  /** The file name used in error messages. */
  readonly file: string;
  /** Where `drivers: - use: NAME` looks (default: the built-in catalogue). */
  readonly catalogue?: ReadonlyMap<string, DriverDefinition>;
}

export type LoadResult = { readonly ok: true; readonly scenario: ScenarioSpec } | { readonly ok: false; readonly errors: readonly LoadError[] };

/**
 * Loads a scenario from YAML text. Every problem is reported with its position, all of
 * them at once; it never throws and never runs code from the file.
 */
export function loadScenario(text: string, options: LoadOptions): LoadResult {
  try {
    return load(text, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ file: options.file, line: 1, col: 1, message: `irpsim could not load this file: ${message}`, hint: 'this is a bug in irpsim; please report it' }] };
  }
}

function load(text: string, options: LoadOptions): LoadResult {
  const file = options.file;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const syntax = doc.errors.map(
    (e): LoadError => ({ file, line: e.linePos?.[0]?.line ?? 1, col: e.linePos?.[0]?.col ?? 1, message: firstLine(e.message), hint: null }),
  );
  if (syntax.length > 0) return { ok: false, errors: syntax };
  const map = new SourceMap(doc, lines);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    // An alias to an anchor that does not exist (yet), or an alias bomb.
    return { ok: false, errors: [{ file, ...map.firstAlias(), message: firstLine(error instanceof Error ? error.message : String(error)), hint: null }] };
  }
  if (data === null || data === undefined) {
    return { ok: false, errors: [{ file, line: 1, col: 1, message: 'the file is empty', hint: 'a scenario needs at least name, description and processes' }] };
  }
  // Schema problems and meaning problems are reported together; the compile pass skips
  // whatever part of the file the schema already rejected.
  const errors: LoadError[] = validateSchema(data, file, map);
  const scenario = compile(data as ScenarioData, map, file, options.catalogue ?? defaultCatalogue, errors);
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  return { ok: true, scenario };
}

/** The shape the schema guarantees. */
interface ScenarioData {
  name: string;
  description: string;
  seed?: number;
  machine?: Partial<Omit<MachineSettings, 'cost' | 'budget'>> & { cost?: Record<string, number>; budget?: Record<string, number> };
  values?: Record<string, number | string | { ctlCode: Record<string, number | string> }>;
  drivers?: { use: string }[];
  processes: {
    name: string;
    buffers?: Record<string, { text?: string; hex?: string; size?: number; fill?: number; protect?: keyof typeof PROTECT }>;
    threads: { name: string; start?: number; actions: ActionData[] }[];
  }[];
  expect?: { outcome?: RunExpectations['outcome']; bugcheck?: { code?: number | string; name?: string } | null; violations?: string[] };
}

const PROTECT = { PAGE_READWRITE: PAGE.READWRITE, PAGE_READONLY: PAGE.READONLY, PAGE_NOACCESS: PAGE.NOACCESS } as const;

function compile(data: ScenarioData, map: SourceMap, file: string, catalogue: ReadonlyMap<string, DriverDefinition>, errors: LoadError[]): ScenarioSpec {
  const error = (path: Path, message: string, hint: string | null = null) => errors.push({ file, ...map.at(path), message, hint });
  const values = new NamedValues();
  const evaluate = (input: number | string, path: Path): number => {
    const r = values.evaluate(input);
    if (r.ok) return r.value;
    error(path, r.message, r.hint ?? driverHint(String(input), catalogue));
    return 0;
  };

  const own = new Map<string, number>();
  // Drivers first: their named values (IOCTL codes) become available to the rest.
  const drivers: DriverDefinition[] = [];
  each(data.drivers, (d, i) => {
    const def = catalogue.get(d.use);
    if (def === undefined) {
      const close = didYouMean(d.use, catalogue.keys());
      error(['drivers', i, 'use'], `no driver '${d.use}' in the catalogue`, close !== null ? `did you mean '${close}'?` : 'irpsim list --drivers shows them');
      return;
    }
    drivers.push(def);
    for (const [k, v] of Object.entries(def.values ?? {})) {
      values.set(k, v);
      own.set(k, v);
    }
  });
  for (const [name, v] of entries(data.values)) {
    const path = ['values', name];
    let value: number;
    if (typeof v === 'object') {
      const f = v.ctlCode;
      const [d, fn, m, a] = (['deviceType', 'function', 'method', 'access'] as const).map((k) => evaluate(f[k]!, [...path, 'ctlCode', k])) as [number, number, number, number];
      value = CTL_CODE(d, fn, m, a);
    } else {
      value = evaluate(v, path);
    }
    values.set(name, value);
    own.set(name, value);
  }

  const processes: ProcessSpec[] = [];
  const processNames = new Set<string>();
  each(data.processes, (p, pi) => {
    const ppath = ['processes', pi];
    if (processNames.has(p.name)) error([...ppath, 'name'], `two processes are named '${p.name}'`);
    processNames.add(p.name);
    const buffers: BufferSpec[] = [];
    for (const [name, b] of entries(p.buffers)) {
      const bytes = specBytes(b);
      if (typeof bytes === 'string') error([...ppath, 'buffers', name], bytes);
      else if (bytes.length === 0) error([...ppath, 'buffers', name], `buffer '${name}' has no size: give text, hex or size`);
      else buffers.push({ name, size: bytes.length, bytes, protect: PROTECT[b.protect ?? 'PAGE_READWRITE'] });
    }
    const bufferNames = new Set(buffers.map((b) => b.name));
    const threadNames = new Set<string>();
    const threads: ThreadSpec[] = [];
    each(p.threads, (t, ti) => {
      const tpath = [...ppath, 'threads', ti];
      if (threadNames.has(t.name)) error([...tpath, 'name'], `two threads of '${p.name}' are named '${t.name}'`);
      threadNames.add(t.name);
      const env: CompileEnv = { values, buffers: bufferNames, handles: new Set(), error, value: evaluate };
      const steps: Step[] = [];
      each(t.actions, (action, ai) => {
        const apath = [...tpath, 'actions', ai];
        const step = compileOne(action, apath, env, `${p.name}/${t.name} #${ai + 1}`, map, file, errors);
        if (step !== null) steps.push(step);
      });
      const label = `${p.name}/${t.name}`;
      threads.push({
        name: t.name,
        start: t.start ?? 0,
        *run(ctx: ThreadContext) {
          const runtime: ThreadRuntime = { u: ctx.u, buffers: ctx.buffers, check: ctx.check, label, handles: new Map<string, number>() };
          for (const step of steps) yield* step(runtime);
        },
      });
    });
    processes.push({ name: p.name, buffers, threads });
  });

  const m = data.machine ?? {};
  const machine: MachineSettings = {
    ...DEFAULT_MACHINE,
    ...(m.strategy !== undefined ? { strategy: m.strategy } : {}),
    ...(m.verifier !== undefined ? { verifier: m.verifier } : {}),
    ...(m.windows !== undefined ? { windows: m.windows } : {}),
    ...(m.autoClearInitializing !== undefined ? { autoClearInitializing: m.autoClearInitializing } : {}),
    cost: m.cost ?? {},
    budget: m.budget ?? {},
  };
  const e = data.expect ?? {};
  const expect: RunExpectations = {
    outcome: e.outcome ?? (e.bugcheck ? 'bugcheck' : DEFAULT_EXPECT.outcome),
    bugcheck:
      e.bugcheck === undefined || e.bugcheck === null
        ? null
        : { code: e.bugcheck.code === undefined ? null : evaluate(e.bugcheck.code, ['expect', 'bugcheck', 'code']), name: e.bugcheck.name ?? null },
    violations: e.violations ?? [],
  };
  return {
    name: data.name,
    description: data.description,
    seed: data.seed ?? 1,
    machine,
    drivers,
    processes,
    expect,
    values: own,
    hash: fnv1a64(stableJson(data)),
  };
}

function compileOne(action: ActionData, path: Path, env: CompileEnv, where: string, map: SourceMap, file: string, errors: LoadError[]): Step | null {
  const keys = Object.keys(action);
  const verbs = keys.filter((k) => k in COMPILERS);
  if (verbs.length === 1) {
    const verb = verbs[0]!;
    return COMPILERS[verb]!(action, path, env, `${where} ${verb} ${String(action[verb])}`);
  }
  const pos = map.firstKeyAt(path);
  if (verbs.length > 1) {
    errors.push({ file, ...pos, message: `one action per list item: found ${verbs.join(' and ')}`, hint: 'start a new item with "- " for each action' });
    return null;
  }
  const first = keys[0] ?? '';
  const planned = PLANNED[first];
  if (planned !== undefined) {
    errors.push({ file, ...pos, message: `action '${first}' is part of the vocabulary but not available yet (it comes with ${planned})`, hint: 'see docs/scenario-format.md' });
    return null;
  }
  const close = didYouMean(first, [...VERBS, ...Object.keys(PLANNED)]);
  errors.push({ file, ...pos, message: `unknown action '${first}'`, hint: close !== null ? `did you mean '${close}'?` : `actions: ${VERBS.join(', ')}` });
  return null;
}

/** For a name some catalogue driver defines (or nearly does): which driver to add. */
function driverHint(input: string, catalogue: ReadonlyMap<string, DriverDefinition>): string | null {
  const names = input.split('|').map((t) => t.trim());
  for (const def of catalogue.values()) {
    const known = Object.keys(def.values ?? {});
    for (const name of names) {
      const match = known.includes(name) ? name : didYouMean(name, known);
      if (match !== null) return `${match} is defined by the driver '${def.name}': add '- use: ${def.name}' under drivers`;
    }
  }
  return null;
}

/**
 * Visits list items, skipping any item the schema rejected so badly that compiling it
 * fails: its schema errors already describe it.
 */
function each<T>(items: readonly T[] | undefined, visit: (item: T, index: number) => void): void {
  if (!Array.isArray(items)) return;
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object') return;
    try {
      visit(item, i);
    } catch {
      /* reported by the schema */
    }
  });
}

function entries<T>(record: Readonly<Record<string, T>> | undefined): [string, T][] {
  return record !== null && typeof record === 'object' && !Array.isArray(record) ? Object.entries(record) : [];
}

function sortErrors(errors: LoadError[]): LoadError[] {
  const seen = new Set<string>();
  return errors
    .filter((e) => {
      const key = `${e.line}:${e.col}:${e.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
