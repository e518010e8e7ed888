import type { DriverDefinition } from '@irpsim/driver-model';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Path } from './SourceMap.ts';

/**
 * `drivers: - module: ./myDriver.ts`: a driver written in TypeScript, next to the scenario.
 * YAML never runs code by itself: the CLI (cli/loadDriverModules.ts) imports each module
 * the file names, relative to the file's folder, and hands the loader their exports
 * (`LoadOptions.modules`, keyed by the path as written); the loader picks the export and
 * checks that it is a driver. Without that option a `module:` entry is an error.
 */
export interface ModuleDriverData {
  module: string;
  /** The export holding the driver (default: the default export). */
  export?: string;
}

/** A module's exports, as `import * as m` gives them. */
export type ModuleExports = Readonly<Record<string, unknown>>;

export const moduleDriverSchema = {
  type: 'object',
  required: ['module'],
  properties: {
    module: { type: 'string', pattern: '\\.(ts|mts|js|mjs)$', description: 'A TypeScript or JavaScript module, relative to the scenario file, whose default export (or `export`) is a defineDriver driver; irpsim run / check import it' },
    export: { type: 'string', description: 'The named export holding the driver (default: the default export)' },
  },
  additionalProperties: false,
} as const;

/** The `module:` entries of a scenario's `drivers:`, where they are: what the CLI imports. */
export function driverModules(text: string): { readonly module: string; readonly line: number; readonly col: number }[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const drivers = isMap(doc.contents) ? doc.contents.get('drivers', true) : null;
  if (!isSeq(drivers)) return [];
  const found: { module: string; line: number; col: number }[] = [];
  for (const item of drivers.items) {
    if (!isMap(item)) continue;
    const node = item.get('module', true);
    if (!isScalar(node) || typeof node.value !== 'string') continue;
    const at = lines.linePos(node.range?.[0] ?? 0);
    found.push({ module: node.value, line: at.line, col: at.col });
  }
  return found;
}

/** The driver a `module:` entry names, or null after reporting why not. */
export function moduleDriver(data: ModuleDriverData, path: Path, modules: ReadonlyMap<string, ModuleExports> | null, error: (path: Path, message: string, hint?: string | null) => void): DriverDefinition | null {
  const exports = modules?.get(data.module);
  if (exports === undefined) {
    error([...path, 'module'], `the driver module '${data.module}' was not loaded`, 'YAML never runs code: irpsim run and irpsim check import the modules a scenario names; from the library, pass them with loadScenario(text, { modules })');
    return null;
  }
  const name = data.export ?? 'default';
  let value = exports[name];
  // A module the CommonJS loader compiled: the ES default export is module.exports.default.
  if (name === 'default' && isObject(value) && !isDriver(value) && isDriver(value['default'])) value = value['default'];
  if (isDriver(value)) return value;
  const drivers = Object.keys(exports).filter((k) => isDriver(exports[k]));
  const where = data.export === undefined ? [...path, 'module'] : [...path, 'export'];
  const what = data.export === undefined ? `'${data.module}' has no default export that is a driver` : `'${data.module}' exports no driver named '${name}'`;
  error(where, value === undefined ? what : `${what}: it is not a defineDriver({ name, serviceName, DriverEntry, … })`, drivers.length > 0 ? `its drivers: ${drivers.map((d) => `export: ${d}`).join(', ')}` : 'export default defineDriver({ … })');
  return null;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object';
}

function isDriver(x: unknown): x is DriverDefinition {
  return isObject(x) && typeof x['name'] === 'string' && typeof x['serviceName'] === 'string' && typeof x['DriverEntry'] === 'function';
}
