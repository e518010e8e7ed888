import { PAGE, fnv1a64 } from '@irpsim/core';
import { catalogue as defaultCatalogue, type DriverDefinition } from '@irpsim/driver-model';
import { CTL_CODE } from '@irpsim/io-manager';
import { LineCounter, parseDocument } from 'yaml';
import { runSteps, type ActionData, type CompileEnv, type Step } from '../actions/ActionEnv.ts';
import { specBytes } from '../actions/bytes.ts';
import { ACTIONS, PLANNED } from '../actions/compileAction.ts';
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
  expect?: {
    outcome?: RunExpectations['outcome'];
    bugcheck?: { code?: number | string; name?: string } | null;
    violations?: string[];
    processes?: Record<string, { exitStatus?: number | string }>;
  };
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
    // Names are process-wide: any thread may use a handle or buffer another one names.
    const bufferNames = new Set(buffers.map((b) => b.name));
    const handleNames = new Set<string>();
    each(p.threads, (t) => collectNames(t.actions, handleNames, bufferNames));
    const threadNames = new Set<string>();
    const threads: ThreadSpec[] = [];
    each(p.threads, (t, ti) => {
      const tpath = [...ppath, 'threads', ti];
      if (threadNames.has(t.name)) error([...tpath, 'name'], `two threads of '${p.name}' are named '${t.name}'`);
      threadNames.add(t.name);
      const env: CompileEnv = {
        values,
        buffers: bufferNames,
        handles: handleNames,
        error,
        value: evaluate,
        compileList: (list, path, what) => {
          const steps: Step[] = [];
          each(list as ActionData[] | undefined, (action, ai) => {
            const step = compileOne(action, [...path, ai], env, `${what} #${ai + 1}`, map, file, errors);
            if (step !== null) steps.push(step);
          });
          return steps;
        },
      };
      const steps = env.compileList(t.actions, [...tpath, 'actions'], `${p.name}/${t.name}`);
      const label = `${p.name}/${t.name}`;
      threads.push({
        name: t.name,
        start: t.start ?? 0,
        run(ctx: ThreadContext) {
          return runSteps({ ...ctx, label }, steps);
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
    processes: new Map(entries(e.processes).map(([name, p]) => [name, { exitStatus: p.exitStatus === undefined ? null : evaluate(p.exitStatus, ['expect', 'processes', name, 'exitStatus']) }])),
  };
  for (const name of (e.processes === undefined ? [] : Object.keys(e.processes))) {
    if (!processNames.has(name)) error(['expect', 'processes', name], `no process named '${name}'`, didYouMean(name, processNames) === null ? null : `did you mean '${didYouMean(name, processNames)}'?`);
  }
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

/** The verb of an action is its first key (so other keys may never be verbs). */
function compileOne(action: ActionData, path: Path, env: CompileEnv, where: string, map: SourceMap, file: string, errors: LoadError[]): Step | null {
  const first = Object.keys(action)[0] ?? '';
  const def = ACTIONS[first];
  if (def !== undefined) return def.compile(action, path, env, `${where} ${first} ${describeValue(action[first])}`);
  const pos = map.firstKeyAt(path);
  const planned = PLANNED[first];
  if (planned !== undefined) {
    errors.push({ file, ...pos, message: `action '${first}' is part of the vocabulary but not available yet (it comes with ${planned})`, hint: 'see docs/scenario-format.md' });
    return null;
  }
  const verbs = Object.keys(ACTIONS);
  const misplaced = Object.keys(action).find((k) => k in ACTIONS);
  const close = didYouMean(first, [...verbs, ...Object.keys(PLANNED)]);
  errors.push({
    file,
    ...pos,
    message: `unknown action '${first}'`,
    hint: close !== null ? `did you mean '${close}'?` : misplaced !== undefined ? `an action starts with its verb: put '${misplaced}:' first` : `actions: ${verbs.join(', ')}`,
  });
  return null;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return '(unnamed)';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** Every handle and buffer name the actions of a thread define, nested lists included. */
function collectNames(actions: unknown, handles: Set<string>, buffers: Set<string>): void {
  if (!Array.isArray(actions)) return;
  for (const action of actions as unknown[]) {
    if (action === null || typeof action !== 'object') continue;
    const a = action as Record<string, unknown>;
    const def = ACTIONS[Object.keys(a)[0] ?? ''];
    if (def?.defines === 'handle' && typeof a['as'] === 'string') handles.add(a['as']);
    const bufferName = a['as'] ?? a['alloc'];
    if (def?.defines === 'buffer' && typeof bufferName === 'string') buffers.add(bufferName);
    collectNames(a['actions'], handles, buffers);
  }
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
