import { encodeUtf8, fnv1a64 } from '@irpsim/core';
import { catalogue as defaultCatalogue, type DriverDefinition } from '@irpsim/driver-model';
import { CTL_CODE, resolveAdversaries, type AdversaryMode } from '@irpsim/io-manager';
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { runSteps, valueAt, type ActionData, type CompileEnv, type Dyn, type Step, type StepList, type ThreadRuntime } from '../actions/ActionEnv.ts';
import { parseHex, specBytes, splitText, staticText } from '../actions/bytes.ts';
import { ACTIONS, PLANNED } from '../actions/compileAction.ts';
import { ZW_FORMS } from '../actions/zwActions.ts';
import { expectIrps } from '../actions/irpsExpectation.ts';
import { expectElapsed } from '../actions/elapsedExpectation.ts';
import { PROTECT } from '../actions/memoryActions.ts';
import { compileReport, type ReportData } from '../report/compileReport.ts';
import { compileInvariants, type InvariantData } from '../invariants/compileInvariants.ts';
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
import { declareInlineDriver, type InlineDriverData, type InlineEnv } from './compileInlineDriver.ts';
import { INLINE_DRIVER_KEYS } from './inlineDriverSchema.ts';
import { didYouMean } from './didYouMean.ts';
import { parseDuration } from './durations.ts';
import { compileFinal, type FinalData } from './finalExpect.ts';
import { compileTraceExpect, type TraceExpect } from './traceExpect.ts';
import { compileValuesExpect } from './valuesExpect.ts';
import { compileUntil, type UntilData } from './untilCondition.ts';
import { moduleDriver, type ModuleDriverData, type ModuleExports } from './moduleDriver.ts';
import type { LoadError } from './LoadError.ts';
import { CTL_FIELDS, ctlFieldProblem, NamedValues, type UnknownHint } from './NamedValues.ts';
import { SourceMap, type Path } from './SourceMap.ts';
import { stableJson } from './stableJson.ts';
import { validateSchema } from './validateSchema.ts';

export interface LoadOptions {
  /** The file name used in error messages. */
  readonly file: string;
  /** Where `drivers: - use: NAME` looks (default: the built-in catalogue). */
  readonly catalogue?: ReadonlyMap<string, DriverDefinition>;
  /**
   * The exports of the modules `drivers: - module: PATH` names, by PATH as written. The
   * loader imports nothing (YAML never runs code): the CLI imports them (format/moduleDriver.ts).
   */
  readonly modules?: ReadonlyMap<string, ModuleExports>;
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
  // Line starts come from the text itself: the parser's own count misses newlines inside a
  // token it could not place (a broken document), which shifted positions (test/loaderFuzz).
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  // Duplicate keys are found below, with both positions; the parser would only say "not unique".
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false, strict: true });
  const syntax = doc.errors.map((e): LoadError => ({ file, ...lines.linePos(e.pos[0]), message: firstLine(e.message), hint: syntaxHint(e.code) }));
  syntax.push(...duplicateKeys(doc, lines, file));
  if (syntax.length > 0) return { ok: false, errors: sortErrors(syntax) };
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
  // whatever part of the file the schema already rejected. A list item holding two verbs
  // gets one error, not one per key of each verb's schema.
  const multi = twoVerbItems(data);
  const errors: LoadError[] = validateSchema(data, file, map, (path) => multi.some((m) => startsWith(path, m.path)));
  for (const m of multi) {
    errors.push({ file, ...map.keyAt(m.path, m.second), message: `one action per list item: found \`${m.first}\` and \`${m.second}\``, hint: `give \`${m.second}\` its own '- ' item` });
  }
  const scenario = compile(data as ScenarioData, map, file, options.catalogue ?? defaultCatalogue, errors, options.modules ?? null);
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  return { ok: true, scenario };
}

function syntaxHint(code: string): string | null {
  if (code === 'BAD_DQ_ESCAPE') return "in double quotes \\ starts an escape: write Windows names in single quotes, '\\\\.\\Hello'";
  if (code === 'TAB_AS_INDENT') return 'indent with spaces';
  return null;
}

/** Every key given twice in one map, at the second one. */
function duplicateKeys(doc: Document, lines: LineCounter, file: string): LoadError[] {
  const errors: LoadError[] = [];
  visit(doc, {
    Map: (_key, node) => {
      if (!isMap(node)) return;
      const seen = new Map<string, number>();
      for (const item of node.items) {
        if (!isScalar(item.key) || item.key.range === undefined || item.key.range === null) continue;
        const key = String(item.key.value);
        const at = item.key.range[0];
        const first = seen.get(key);
        if (first === undefined) {
          seen.set(key, at);
          continue;
        }
        errors.push({
          file,
          ...lines.linePos(at),
          message: `the key '${key}' is given twice in this map (first at line ${lines.linePos(first).line})`,
          hint: 'YAML would silently keep only the last one: remove or rename one of them',
        });
      }
    },
  });
  return errors;
}

/** The shape the schema guarantees. */
interface ScenarioData {
  name: string;
  description: string;
  seed?: number;
  machine?: Partial<Omit<MachineSettings, 'cost' | 'budget' | 'adversaries' | 'until'>> & { until?: UntilData; adversaries?: 'all' | AdversaryMode[]; cost?: Record<string, number | string>; budget?: { maxSteps?: number; maxTime?: number | string; idle?: number | string } };
  values?: Record<string, number | string | { ctlCode: Record<string, number | string> }>;
  drivers?: ({ use: string } | ModuleDriverData | InlineDriverData)[];
  processes: {
    name: string;
    buffers?: Record<string, { text?: string; hex?: string; size?: number; fill?: number; protection?: keyof typeof PROTECT }>;
    threads: { name: string; start?: number | string; kernel?: boolean; actions: ActionData[] }[];
  }[];
  expect?: {
    outcome?: RunExpectations['outcome'];
    bugcheck?: { code?: number | string; name?: string; params?: (number | string | null)[] } | null;
    violations?: string[];
    processes?: Record<string, { exitStatus?: number | string }>;
    unfinished?: string[];
    final?: FinalData;
    log?: string[];
    driverCalls?: Record<string, Record<string, number>>;
    values?: Record<string, number>;
  };
  report?: ReportData;
  invariants?: InvariantData[];
}

const VALUE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function compile(data: ScenarioData, map: SourceMap, file: string, catalogue: ReadonlyMap<string, DriverDefinition>, errors: LoadError[], modules: ReadonlyMap<string, ModuleExports> | null): ScenarioSpec {
  const error = (path: Path, message: string, hint: string | null = null) => errors.push({ file, ...map.at(path), message, hint });
  const errorAtKey = (path: Path, key: string, message: string, hint: string | null = null) => errors.push({ file, ...map.keyAt(path, key), message, hint });
  const values = new NamedValues();

  // Where each of the file's own values is defined, for "defined further down" hints.
  const declared = new Map(entries(data.values).map(([name]) => [name, map.keyAt(['values'], name).line]));
  const driverOf = new Map<string, string>();
  const unknown: UnknownHint = (name, close) => {
    const line = declared.get(name);
    if (line !== undefined) return `${name} is defined further down, at line ${line}: a value may use only built-in names, driver values and the values above it`;
    const driver = exactDriver(name, catalogue);
    if (driver !== null) return `${name} is defined by the driver '${driver}': add '- use: ${driver}' under drivers`;
    if (close !== null) return `did you mean '${close}'?`;
    return driverHint(name, catalogue);
  };
  const evaluate = (input: number | string, path: Path): number => {
    const r = values.evaluate(input, unknown);
    if (r.ok) return r.value;
    error(path, r.message, r.hint);
    return 0;
  };

  const own = new Map<string, number>();
  // Drivers first: their named values (IOCTL codes) become available to the rest.
  // [driver-model] An inline driver takes its place in the load order now and is built once `values:` are known.
  const slots: (DriverDefinition | (() => DriverDefinition | null))[] = [];
  const inlineEnv: InlineEnv = { values, unknown, error, errorAtKey };
  const inlineNames = new Set<string>();
  each(data.drivers, (d, i) => {
    if (INLINE_DRIVER_KEYS.some((key) => key in d)) {
      const inline = d as InlineDriverData;
      if (inlineNames.has(inline.name)) error(['drivers', i, 'name'], `a driver named '${inline.name}' is already declared above`, 'give this one another name');
      inlineNames.add(inline.name);
      const declared = declareInlineDriver(inline, ['drivers', i], inlineEnv);
      for (const [k, v] of declared.values) {
        own.set(k, v);
        driverOf.set(k, inline.name);
      }
      slots.push(declared.finish);
      return;
    }
    // [scenarios] A TypeScript driver the CLI imported (format/moduleDriver.ts).
    const fromModule = 'module' in d && typeof d.module === 'string' ? moduleDriver(d, ['drivers', i], modules, error) : null;
    if ('module' in d) {
      if (fromModule === null) return;
      slots.push(fromModule);
      for (const [k, v] of Object.entries(fromModule.values ?? {})) {
        values.set(k, v);
        own.set(k, v);
        driverOf.set(k, fromModule.name);
      }
      return;
    }
    const use = (d as { use: string }).use;
    if (typeof use !== 'string') return; // the schema says what is missing
    const def = catalogue.get(use);
    if (def === undefined) {
      const close = didYouMean(use, catalogue.keys());
      error(['drivers', i, 'use'], `no driver '${use}' in the catalogue`, close !== null ? `did you mean '${close}'?` : 'irpsim list --drivers shows them');
      return;
    }
    slots.push(def);
    for (const [k, v] of Object.entries(def.values ?? {})) {
      values.set(k, v);
      own.set(k, v);
      driverOf.set(k, def.name);
    }
  });

  for (const [name, v] of entries(data.values)) {
    const path = ['values', name];
    declared.delete(name);
    if (!VALUE_NAME.test(name)) {
      errorAtKey(['values'], name, `'${name}' cannot name a value: use letters, digits and _, starting with a letter or _`);
      continue;
    }
    if (values.builtIn.has(name)) {
      errorAtKey(['values'], name, `'${name}' is already a built-in name (0x${values.get(name)!.toString(16).toUpperCase()})`, 'choose another name: a value of your own may not hide a Windows name');
      continue;
    }
    if (driverOf.has(name)) {
      errorAtKey(['values'], name, `'${name}' is already defined by the driver '${driverOf.get(name)!}' (0x${values.get(name)!.toString(16).toUpperCase()})`, "use the driver's value, or choose another name");
      continue;
    }
    let value = 0;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const f = (v as { ctlCode?: unknown }).ctlCode;
      if (f !== null && typeof f === 'object' && !Array.isArray(f)) {
        const fields = f as Record<string, unknown>;
        // A missing field is reported by the schema ("missing required key"); no crash, no guess.
        const parts = CTL_FIELDS.map((field, i) => {
          const x = fields[field.name];
          if (typeof x !== 'number' && typeof x !== 'string') return null;
          const fpath = [...path, 'ctlCode', field.name];
          const n = evaluate(x, fpath);
          const problem = ctlFieldProblem(i, n);
          if (problem !== null) error(fpath, problem);
          return n;
        });
        if (parts.every((x) => x !== null)) value = CTL_CODE(...(parts as [number, number, number, number]));
      }
    } else if (typeof v === 'number' || typeof v === 'string') {
      value = evaluate(v, path);
    }
    // Set even when it failed, so later uses do not cascade into "unknown value" errors.
    values.set(name, value);
    own.set(name, value);
  }

  const drivers = slots.flatMap((slot) => {
    if (typeof slot !== 'function') return [slot];
    try {
      return [slot()].filter((def) => def !== null);
    } catch {
      return []; // a shape the schema rejected, and reported
    }
  });

  const processes: ProcessSpec[] = [];
  const processNames = new Set<string>();
  /** Per process: its threads' names, spawned ones included, for `expect.unfinished`. */
  const threadsOf = new Map<string, Set<string>>();
  const handlesOf = new Map<string, Set<string>>();
  const poolBuffers = poolNames(data.processes);
  each(data.processes, (p, pi) => {
    const ppath = ['processes', pi];
    if (processNames.has(p.name)) error([...ppath, 'name'], `two processes are named '${p.name}'`);
    processNames.add(p.name);
    const buffers: BufferSpec[] = [];
    const sizes = new Map<string, number | null>();
    for (const [name, b] of entries(p.buffers)) {
      if (b === null || typeof b !== 'object') continue;
      const bytes = bufferBytes(b, [...ppath, 'buffers', name], values, error);
      if (bytes === null) continue;
      if (bytes.length === 0) error([...ppath, 'buffers', name], `buffer '${name}' has no size: give text, hex or size`);
      else buffers.push({ name, size: bytes.length, bytes, protect: PROTECT[b.protection ?? 'PAGE_READWRITE'] ?? PROTECT.PAGE_READWRITE });
      sizes.set(name, bytes.length);
    }
    // Names are process-wide: any thread may use a handle or buffer another one names.
    const handleNames = new Set<string>();
    const threadNames = new Set<string>();
    threadsOf.set(p.name, threadNames);
    handlesOf.set(p.name, handleNames); // for `expect.final`
    each(p.threads, (t) => collectNames(t.actions, handleNames, sizes, threadNames));
    const bufferNames = new Set(sizes.keys());
    const declaredThreads = new Set<string>();
    const threads: ThreadSpec[] = [];
    each(p.threads, (t, ti) => {
      const tpath = [...ppath, 'threads', ti];
      if (declaredThreads.has(t.name)) error([...tpath, 'name'], `two threads of '${p.name}' are named '${t.name}'`);
      declaredThreads.add(t.name);
      threadNames.add(t.name);
      const label = `${p.name}/${t.name}`;
      const kernel = t.kernel === true;
      const envFor = (counters: ReadonlySet<string>): CompileEnv => {
        const env: CompileEnv = {
          values,
          buffers: bufferNames,
          bufferSizes: sizes,
          handles: handleNames,
          counters,
          kernel,
          poolBuffers,
          error,
          value: (input, path) => {
            const r = values.compile(input, counters, unknown);
            if (!r.ok) {
              error(path, r.message, r.hint);
              return 0;
            }
            if (r.value === null) {
              error(path, `a repeat counter (${r.counters.join(', ')}) cannot be used here: this value is fixed when the action is prepared`, null);
              return 0;
            }
            return r.value;
          },
          dyn: (input, path) => dynamic(values, counters, unknown, input, path, error),
          string: (input, path) => dynamicString(values, counters, unknown, input, path, error),
          text: (input, path) => dynamicText(values, counters, unknown, input, path, error),
          compileList: (list, path, what, inner) => compileList(list, path, what, envFor(inner ?? counters), map, file, errors),
        };
        return env;
      };
      if (kernel && p.name !== 'System') error([...tpath, 'kernel'], `a kernel: true thread belongs to the process named 'System', not '${p.name}'`, null);
      checkKernelVerbs(t.actions, [...tpath, 'actions'], kernel, error);
      const list = envFor(new Set()).compileList(t.actions, [...tpath, 'actions'], label);
      threads.push({
        name: t.name,
        ...(kernel ? { kernel } : {}),
        start: t.start === undefined ? 0 : durationNs(t.start, [...tpath, 'start'], error),
        actions: list.labels,
        run(ctx: ThreadContext) {
          return runSteps({ ...ctx, label, counters: new Map() }, list);
        },
      });
    });
    processes.push({ name: p.name, buffers, threads });
  });

  const m = data.machine ?? {};
  const budget: Record<string, number> = {};
  if (m.budget?.maxSteps !== undefined) budget['maxSteps'] = m.budget.maxSteps;
  if (m.budget?.maxTime !== undefined) budget['maxTimeNs'] = durationNs(m.budget.maxTime, ['machine', 'budget', 'maxTime'], error);
  if (m.budget?.idle !== undefined) budget['idleNs'] = durationNs(m.budget.idle, ['machine', 'budget', 'idle'], error);
  const cost: Record<string, number> = {};
  for (const [k, v] of entries(m.cost)) cost[k] = costNs(v, ['machine', 'cost', k], error);
  const machine: MachineSettings = {
    ...DEFAULT_MACHINE,
    ...(m.strategy !== undefined ? { strategy: m.strategy } : {}),
    ...(m.verifier !== undefined ? { verifier: m.verifier } : {}),
    ...(m.windows !== undefined ? { windows: m.windows } : {}),
    ...(m.autoClearInitializing !== undefined ? { autoClearInitializing: m.autoClearInitializing } : {}),
    ...(m.adversaries !== undefined ? { adversaries: resolveAdversaries(m.adversaries) } : {}),
    ...(m.cpus !== undefined ? { cpus: m.cpus } : {}),
    ...(m.until !== undefined && m.until !== null ? { until: compileUntil(m.until, ['machine', 'until'], error) ?? { timeNs: 0 } } : {}),
    cost,
    budget,
  };
  const e = data.expect ?? {};
  const expect: RunExpectations = {
    outcome: e.outcome ?? (e.bugcheck ? 'bugcheck' : DEFAULT_EXPECT.outcome),
    bugcheck:
      e.bugcheck === undefined || e.bugcheck === null
        ? null
        : {
            code: e.bugcheck.code === undefined ? null : evaluate(e.bugcheck.code, ['expect', 'bugcheck', 'code']),
            name: e.bugcheck.name ?? null,
            params: (e.bugcheck.params ?? []).map((v, i) => (v === null ? null : evaluate(v, ['expect', 'bugcheck', 'params', i]))),
          },
    violations: e.violations ?? [],
    processes: new Map(entries(e.processes).map(([name, p]) => [name, { exitStatus: p?.exitStatus === undefined ? null : evaluate(p.exitStatus, ['expect', 'processes', name, 'exitStatus']) }])),
    unfinished: Array.isArray(e.unfinished) ? e.unfinished.filter((x) => typeof x === 'string') : [],
    ...(e.final !== undefined && e.final !== null && typeof e.final === 'object' ? { final: compileFinal(e.final, handlesOf, ['expect', 'final'], error) } : {}),
    ...traceExpectOf(compileTraceExpect(e.log, e.driverCalls, drivers.map((d) => d.name), evaluate, error)),
    ...((v) => (v === null ? {} : { values: v }))(compileValuesExpect(e.values, evaluate)),
  };
  for (const name of e.processes === undefined || e.processes === null ? [] : Object.keys(e.processes)) {
    if (!processNames.has(name)) error(['expect', 'processes', name], `no process named '${name}'`, didYouMean(name, processNames) === null ? null : `did you mean '${didYouMean(name, processNames)}'?`);
  }
  expect.unfinished.forEach((label, i) => {
    const [process, thread] = label.split('/') as [string, string | undefined];
    const known = [...threadsOf].flatMap(([pn, ts]) => [...ts].map((tn) => `${pn}/${tn}`));
    if (thread !== undefined && threadsOf.get(process)?.has(thread) === true) return;
    const close = didYouMean(label, known);
    error(['expect', 'unfinished', i], `no thread '${label}': name a thread as process/thread`, close !== null ? `did you mean '${close}'?` : known.length > 0 ? `threads: ${known.join(', ')}` : null);
  });
  // [scenarios] the report table (src/report): checked here, computed after the run.
  const threadLabels = new Set([...threadsOf].flatMap(([pn, ts]) => [...ts].map((tn) => `${pn}/${tn}`)));
  const report = data.report !== null && typeof data.report === 'object' ? compileReport(data.report, data.name, threadLabels, error) : null;
  const invariants = Array.isArray(data.invariants) ? compileInvariants(data.invariants, error) : [];
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
    report,
    ...(invariants.length > 0 ? { invariants } : {}),
  };
}

/** The bytes of a process's named buffer (text, hex or size + fill), or null after an error. */
function bufferBytes(b: { text?: string; hex?: string; size?: number; fill?: number }, path: Path, values: NamedValues, error: (path: Path, message: string, hint?: string | null) => void): Uint8Array | null {
  const sources = (['text', 'hex', 'size'] as const).filter((k) => b[k] !== undefined);
  if (sources.length > 1) {
    error([...path, sources[1]!], `give one of text, hex or size, not ${sources.join(' and ')}`);
    return null;
  }
  if (b.fill !== undefined && b.size === undefined && sources.length === 1) {
    error([...path, 'fill'], "'fill' applies to size: the text or hex gives every byte");
    return null;
  }
  if (typeof b.text === 'string') {
    const bytes = staticText(b.text, values);
    if (typeof bytes === 'string') {
      error([...path, 'text'], bytes);
      return null;
    }
    return bytes;
  }
  if (typeof b.hex === 'string') {
    const bytes = parseHex(b.hex);
    if (bytes === null) error([...path, 'hex'], `'${b.hex}' is not hex bytes`);
    return bytes;
  }
  const bytes = specBytes(b);
  return typeof bytes === 'string' ? null : bytes;
}

/** A time (bare numbers are milliseconds) in nanoseconds. */
function durationNs(input: number | string, path: Path, error: (path: Path, message: string, hint?: string | null) => void): number {
  const d = parseDuration(input);
  if (d.ok) return d.ns;
  error(path, d.message, d.hint);
  return 0;
}

/** A cost: bare numbers are nanoseconds (they are small, and may be fractions: 0.25); or a time with its unit. */
function costNs(input: number | string, path: Path, error: (path: Path, message: string, hint?: string | null) => void): number {
  if (typeof input === 'number') return input;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ns|us|µs|ms|s)\s*$/.exec(input);
  if (m === null) {
    error(path, `'${input}' is not a cost`, 'a number of nanoseconds (150, 0.25) or a time with its unit (2us)');
    return 0;
  }
  return Number(m[1]) * { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 }[m[2] as 'ns']!;
}

/** A value that may use repeat counters: a number now, or a function of the running thread. */
function dynamic(values: NamedValues, counters: ReadonlySet<string>, unknown: UnknownHint, input: number | string, path: Path, error: (path: Path, message: string, hint?: string | null) => void): Dyn {
  const r = values.compile(input, counters, unknown);
  if (!r.ok) {
    error(path, r.message, r.hint);
    return 0;
  }
  if (r.value !== null) return r.value;
  const run = r.run;
  return (t: ThreadRuntime) => run((name) => t.counters.get(name) ?? 0);
}

/** A text whose `${expression}` parts may use repeat counters. */
function dynamicString(values: NamedValues, counters: ReadonlySet<string>, unknown: UnknownHint, input: string, path: Path, error: (path: Path, message: string, hint?: string | null) => void): Dyn<string> {
  const parts = splitText(input);
  if (typeof parts === 'string') {
    error(path, parts);
    return input;
  }
  const pieces = parts.map((part) => ('literal' in part ? part.literal : dynamic(values, counters, unknown, part.expression, path, error)));
  if (pieces.every((p) => typeof p !== 'function')) return pieces.map(String).join('');
  return (t: ThreadRuntime) => pieces.map((p) => (typeof p === 'function' ? String(p(t)) : String(p))).join('');
}

/** The same, as UTF-8 bytes. */
function dynamicText(values: NamedValues, counters: ReadonlySet<string>, unknown: UnknownHint, input: string, path: Path, error: (path: Path, message: string, hint?: string | null) => void): Dyn<Uint8Array> {
  const s = dynamicString(values, counters, unknown, input, path, error);
  return typeof s === 'string' ? encodeUtf8(s) : (t: ThreadRuntime) => encodeUtf8(s(t));
}

/** Compiles a list of actions; each gets a label for the unfinished-thread check. */
function compileList(list: unknown, path: Path, what: string, env: CompileEnv, map: SourceMap, file: string, errors: LoadError[]): StepList {
  const steps: Step[] = [];
  const labels: string[] = [];
  const items = Array.isArray(list) ? (list as unknown[]) : [];
  each(items as ActionData[], (action, ai) => {
    const apath = [...path, ai];
    const verb = Object.keys(action)[0] ?? '';
    // ExitProcess never returns: nothing after it in its list can run.
    if (verb === 'exit-process' && ai < items.length - 1) {
      errors.push({ file, ...map.firstKeyAt([...path, ai + 1]), message: `this action never runs: the exit-process above it (line ${map.firstKeyAt(apath).line}) ends the thread`, hint: 'exit-process must be the last action of its list' });
    }
    const step = compileOne(action, apath, env, `${what} #${ai + 1}`, map, file, errors);
    if (step === null) return;
    steps.push(step);
    labels.push(`#${ai + 1} ${verb} ${describeValue(action[verb])} (line ${map.firstKeyAt(apath).line})`);
  });
  return { steps, labels };
}

/** Keys of an action item that are verbs: its first key, and any later key naming another verb. */
function verbKeys(action: ActionData): string[] {
  const keys = Object.keys(action);
  const first = keys[0];
  if (first === undefined) return [];
  const own = ACTIONS[first]?.properties ?? {};
  return [first, ...keys.slice(1).filter((k) => (k in ACTIONS || k in PLANNED) && !(k in own) && k !== 'expect' && k !== 'note')];
}

/** Action items that hold two verbs (`- close: h` with `ioctl:` under it), anywhere. */
function twoVerbItems(data: unknown): { path: Path; first: string; second: string }[] {
  const found: { path: Path; first: string; second: string }[] = [];
  const visitList = (list: unknown, path: Path): void => {
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
      const verbs = verbKeys(item as ActionData);
      const first = verbs[0];
      if (verbs.length > 1 && first !== undefined && (first in ACTIONS || first in PLANNED)) found.push({ path: [...path, i], first, second: verbs[1]! });
      else visitList((item as Record<string, unknown>)['actions'], [...path, i, 'actions']);
    });
  };
  const processes = (data as { processes?: unknown }).processes;
  if (!Array.isArray(processes)) return found;
  processes.forEach((p, pi) => {
    const threads = (p as { threads?: unknown } | null)?.threads;
    if (!Array.isArray(threads)) return;
    threads.forEach((t, ti) => visitList((t as { actions?: unknown } | null)?.actions, ['processes', pi, 'threads', ti, 'actions']));
  });
  return found;
}

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
}

/** `{ trace }` when the file expects `log` or `driverCalls`, else nothing. */
const traceExpectOf = (trace: TraceExpect | null): { trace?: TraceExpect } => (trace === null ? {} : { trace });

/** The verb of an action is its first key (so other keys may never be verbs). */
function compileOne(action: ActionData, path: Path, env: CompileEnv, where: string, map: SourceMap, file: string, errors: LoadError[]): Step | null {
  const first = Object.keys(action)[0] ?? '';
  const def = ACTIONS[first];
  if (def !== undefined) {
    if (verbKeys(action).length > 1) return null; // reported once, as "one action per list item"
    const what = `${where} ${first} ${describeValue(action[first])}`;
    const step = expectElapsed(action, path, env, what, expectIrps(action, path, env, what, def.compile(action, path, env, what))); // `irps`, `elapsed`
    if (typeof action['note'] !== 'string') return step;
    const note = env.string(action['note'], [...path, 'note']);
    return function* (t) {
      t.note(valueAt(note, t));
      yield* step(t);
    };
  }
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
  if (typeof value === 'number' && value > 0xffff) return `0x${value.toString(16).toUpperCase()}`;
  return String(value);
}

/**
 * Every handle and buffer name the actions of a thread define, nested lists included, with
 * the buffer sizes known when the file loads (null: known only at run time), and the names
 * of the threads they spawn.
 */
function collectNames(actions: unknown, handles: Set<string>, buffers: Map<string, number | null>, threads: Set<string>): void {
  if (!Array.isArray(actions)) return;
  for (const action of actions as unknown[]) {
    if (action === null || typeof action !== 'object') continue;
    const a = action as Record<string, unknown>;
    const verb = Object.keys(a)[0] ?? '';
    const def = ACTIONS[verb];
    if (def?.defines === 'handle' && typeof a['as'] === 'string') handles.add(a['as']);
    if (verb === 'spawn' && typeof a['spawn'] === 'string') threads.add(a['spawn']);
    const bufferName = verb === 'alloc' ? a['alloc'] : a['as'];
    if (def?.defines === 'buffer' && typeof bufferName === 'string') {
      const size = verb === 'alloc' ? allocSize(a) : null;
      const known = buffers.get(bufferName);
      buffers.set(bufferName, buffers.has(bufferName) && known !== size ? null : size);
    }
    // lessons (issue #4): names an action defines elsewhere than `as` (create-port: port, overlapped: { as }).
    const named = def?.names?.(a);
    for (const h of named?.handles ?? []) handles.add(h);
    for (const [b, size] of named?.buffers ?? []) buffers.set(b, buffers.has(b) && buffers.get(b) !== size ? null : size);
    collectNames(a['actions'], handles, buffers, threads);
  }
}

/** The size of an `alloc`, when the file says it plainly. */
function allocSize(a: Record<string, unknown>): number | null {
  if (typeof a['size'] === 'number') return a['size'];
  if (typeof a['hex'] === 'string') return parseHex(a['hex'])?.length ?? null;
  if (typeof a['text'] === 'string' && !a['text'].includes('${')) return encodeUtf8(a['text']).length;
  return null;
}

/** The catalogue driver that defines exactly this name, if any. */
function exactDriver(name: string, catalogue: ReadonlyMap<string, DriverDefinition>): string | null {
  for (const def of catalogue.values()) if (Object.keys(def.values ?? {}).includes(name)) return def.name;
  return null;
}

/** For a name some catalogue driver nearly defines: which driver to add. */
function driverHint(name: string, catalogue: ReadonlyMap<string, DriverDefinition>): string | null {
  for (const def of catalogue.values()) {
    const match = didYouMean(name, Object.keys(def.values ?? {}));
    if (match !== null) return `${match} is defined by the driver '${def.name}': add '- use: ${def.name}' under drivers`;
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

/** What a `kernel: true` thread can do: its other actions would be user-mode API calls. */
const KERNEL_VERBS: ReadonlySet<string> = new Set(['kernel-ioctl', ...Object.keys(ZW_FORMS), 'mark']);

/** `kernel-ioctl, open, … and mark`, for messages. */
const KERNEL_VERB_LIST = ((verbs: string[]) => `${verbs.slice(0, -1).join(', ')} and ${verbs[verbs.length - 1]}`)([...KERNEL_VERBS]);

/** kernel-ioctl returns an NTSTATUS too: it has no `returns` or `error` to expect either. */
const KERNEL_IOCTL_FORM = { api: 'IoCallDriver', userOnly: {}, userOnlyExpect: ZW_FORMS['ioctl']!.userOnlyExpect } as const;

/** The names `alloc` gives pool buffers in the kernel: true threads of `System`: what `{ address: NAME }` may name. */
function poolNames(processes: unknown): ReadonlySet<string> {
  const names = new Set<string>();
  if (!Array.isArray(processes)) return names;
  for (const p of processes as { name?: unknown; threads?: unknown }[]) {
    if (p === null || typeof p !== 'object' || p.name !== 'System' || !Array.isArray(p.threads)) continue;
    for (const t of p.threads as { kernel?: unknown; actions?: unknown }[]) {
      if (t === null || typeof t !== 'object' || t.kernel !== true || !Array.isArray(t.actions)) continue;
      for (const a of t.actions as Record<string, unknown>[]) if (a !== null && typeof a === 'object' && typeof a['alloc'] === 'string') names.add(a['alloc']);
    }
  }
  return names;
}

/**
 * `kernel-ioctl` runs only in a `kernel: true` thread, and such a thread runs only the
 * kernel verbs (IO-3.10, IO-10.1), without the keys of their user-mode forms; the
 * expectations only a Zw call has are refused in user-mode threads. Nested action lists
 * are checked as well.
 */
function checkKernelVerbs(list: unknown, path: Path, kernel: boolean, error: (path: Path, message: string, hint?: string | null) => void): void {
  if (!Array.isArray(list)) return;
  list.forEach((action: unknown, i) => {
    if (action === null || typeof action !== 'object') return;
    const verb = Object.keys(action)[0];
    if (verb !== undefined && verb in ACTIONS) {
      const keys = action as Record<string, unknown>;
      const expect = keys['expect'] !== null && typeof keys['expect'] === 'object' ? (keys['expect'] as Record<string, unknown>) : {};
      const form = verb === 'kernel-ioctl' ? KERNEL_IOCTL_FORM : ZW_FORMS[verb];
      if (!kernel && verb === 'kernel-ioctl') error([...path, i, verb], "kernel-ioctl runs in a system thread: declare its thread with 'kernel: true' in the process 'System'", null);
      if (kernel && !KERNEL_VERBS.has(verb)) {
        error([...path, i, verb], `a kernel: true thread runs ${KERNEL_VERB_LIST} only, not '${verb}'`, 'user-mode API calls belong to a thread of another process');
      }
      if (kernel && form !== undefined) {
        const where = verb === 'kernel-ioctl' ? 'kernel-ioctl' : `${verb} in a kernel: true thread`;
        for (const [key, hint] of Object.entries(form.userOnly)) if (key in keys) error([...path, i, key], `${form.api} (${where}) takes no '${key}'`, hint);
        for (const [key, hint] of Object.entries(form.userOnlyExpect)) if (key in expect) error([...path, i, 'expect', key], `${form.api} (${where}) has no '${key}' to expect`, hint);
      }
      if (!kernel && verb in ZW_FORMS) {
        for (const [key, only] of Object.entries(ZW_FORMS[verb]!.kernelOnlyExpect)) if (key in expect) error([...path, i, 'expect', key], `'${key}' is expected of the Zw call ${verb} makes in a kernel: true thread`, only.hint);
      }
    }
    for (const value of Object.values(action)) if (Array.isArray(value)) checkKernelVerbs(value, path.concat(i), kernel, error);
  });
}
