import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { didYouMean } from './didYouMean.ts';
import type { LoadError } from './LoadError.ts';
import { scenarioSchema } from './scenarioSchema.ts';
import type { Path, SourceMap } from './SourceMap.ts';

let compiled: ValidateFunction | null = null;

/** The schema validator, compiled once per realm. */
function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: false }).compile(scenarioSchema);
  return compiled;
}

/**
 * Validates parsed YAML against the scenario schema; every problem, positioned. Problems
 * inside a part for which `skip` is true are left out (the caller reports that part).
 */
export function validateSchema(data: unknown, file: string, map: SourceMap, skip: (path: Path) => boolean = () => false): LoadError[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors: LoadError[] = [];
  const all = (validate.errors ?? []).filter((e) => !skip(pointerToPath(e.instancePath)));
  for (const e of all) {
    if (isLosingBranch(e, all, data)) continue;
    const error = describe(e, file, map, data);
    if (error !== null) errors.push(error);
  }
  return errors;
}

/**
 * A value may be a number/expression or a `{ ctlCode }` map (an anyOf). Only the branch
 * the value's shape picks says something useful: a map is judged by the map branch, and
 * anything else by the one-line anyOf message alone.
 */
function isLosingBranch(e: ErrorObject, all: readonly ErrorObject[], data: unknown): boolean {
  const anyOf = all.find((a) => a.keyword === 'anyOf' && (e.instancePath === a.instancePath || e.instancePath.startsWith(`${a.instancePath}/`)) && e.schemaPath.startsWith(`${a.schemaPath}/`));
  if (anyOf === undefined) return e.keyword === 'anyOf' && isMapValue(dataAt(data, pointerToPath(e.instancePath)));
  if (!isMapValue(dataAt(data, pointerToPath(anyOf.instancePath)))) return true;
  return !e.schemaPath.startsWith(`${anyOf.schemaPath}/1/`);
}

const isMapValue = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Keys that were renamed, and what replaced them where the new key applies: the old
 * spelling is an error that says what to write now.
 */
const RENAMED: Readonly<Record<string, { readonly key: string; readonly write: string }>> = {
  protect: { key: 'protection', write: "'protection'" },
  to: { key: 'protection', write: "'protection'" },
  readonly: { key: 'protection', write: "'protection: PAGE_READONLY'" },
  writable: { key: 'access', write: "'access: FILE_MAP_READ' (or FILE_MAP_WRITE, the default)" },
  maxTimeNs: { key: 'maxTime', write: "'maxTime' (a time: 5ms, 1s)" },
  idleNs: { key: 'idle', write: "'idle' (a time: 5ms, 1s)" },
};

/** The value at `path` in the parsed data. */
function dataAt(data: unknown, path: Path): unknown {
  let node = data;
  for (const p of path) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[p] : undefined;
  return node;
}

export function pointerToPath(pointer: string): Path {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(e: ErrorObject, file: string, map: SourceMap, data: unknown): LoadError | null {
  const path = pointerToPath(e.instancePath);
  const at = (pos: { line: number; col: number }, message: string, hint: string | null = null): LoadError => ({ file, ...pos, message, hint });
  switch (e.keyword) {
    case 'if':
    case 'anyOf':
      // The branch errors say what is wrong; these only repeat that something is.
      return e.keyword === 'anyOf' ? at(map.at(path), 'expected a number, an expression such as "A | B", or { ctlCode: { deviceType, function, method, access } }') : null;
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(((e.parentSchema ?? {}) as { properties?: object }).properties ?? {});
      const renamed = RENAMED[key];
      if (renamed !== undefined && allowed.includes(renamed.key)) {
        return at(map.keyAt(path, key), `'${key}' is the old name of this key: it is now '${renamed.key}'`, `did you mean ${renamed.write}?`);
      }
      if (['returns', 'error', 'status'].includes(key) && path[path.length - 1] === 'expect') {
        const verb = Object.keys((dataAt(data, path.slice(0, -1)) ?? {}) as object)[0] ?? 'this action';
        const other = allowed.length > 0 ? ` (it can expect: ${allowed.join(', ')})` : '';
        return at(map.keyAt(path, key), `unknown key '${key}': ${verb} is not an API call, so it has no return value, last error or status to check${other}`);
      }
      const close = didYouMean(key, allowed);
      return at(map.keyAt(path, key), `unknown key '${key}'`, close !== null ? `did you mean '${close}'?` : allowed.length > 0 ? `expected one of: ${allowed.join(', ')}` : null);
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return at(map.at(path), `missing required key '${key}'`);
    }
    case 'enum': {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const close = didYouMean(String(e.data), allowed);
      return at(map.at(path), `'${String(e.data)}' is not one of ${allowed.join(', ')}`, close === null ? null : `did you mean '${close}'?`);
    }
    case 'type': {
      const type = (e.params as { type: string | string[] }).type;
      const wanted = Array.isArray(type) ? type.join(' or ') : type;
      return at(map.at(path), `expected ${wanted === 'array' ? 'a list' : wanted === 'object' ? 'a map of keys' : wanted}, found ${kind(e.data)}`);
    }
    default:
      return at(map.at(path), `${path.length > 0 ? `'${String(path[path.length - 1])}' ` : ''}${e.message ?? 'is invalid'}`);
  }
}

function kind(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the text '${value}'`;
  return `${typeof value} ${String(value)}`;
}
