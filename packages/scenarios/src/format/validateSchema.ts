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

/** Validates parsed YAML against the scenario schema; every problem, positioned. */
export function validateSchema(data: unknown, file: string, map: SourceMap): LoadError[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors: LoadError[] = [];
  for (const e of validate.errors ?? []) {
    const error = describe(e, file, map);
    if (error !== null) errors.push(error);
  }
  return errors;
}

export function pointerToPath(pointer: string): Path {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(e: ErrorObject, file: string, map: SourceMap): LoadError | null {
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
