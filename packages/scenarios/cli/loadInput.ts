import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { didYouMean, loadScenario, type LoadError, type ScenarioSpec } from '@irpsim/scenarios';
import { isFileArgument, listLessons } from './lessons.ts';
import { loadDriverModules } from './loadDriverModules.ts';

export type Input = { ok: true; spec: ScenarioSpec; label: string } | { ok: false; errors: LoadError[] };

/** Turns a `FILE|LESSON` argument into a scenario, or positioned errors (exit 2). */
export async function loadInput(arg: string): Promise<Input> {
  let file: string;
  if (isFileArgument(arg)) {
    file = arg;
    if (!existsSync(file)) return fail(arg, `no such file: ${arg}`, null);
  } else {
    const lessons = listLessons();
    const lesson = lessons.find((l) => l.name === arg);
    if (lesson === undefined) {
      const close = didYouMean(arg, lessons.map((l) => l.name));
      return fail(arg, `no lesson named '${arg}'`, close !== null ? `did you mean '${close}'?` : 'irpsim list shows the lessons');
    }
    file = lesson.file;
  }
  if (file.endsWith('.ts')) return loadModule(file, arg);
  const text = readFileSync(file, 'utf8');
  const name = arg === file ? file : `${arg}.yaml`;
  // `drivers: - module:` entries: imported here, relative to the file, never by the loader.
  const imported = await loadDriverModules(text, file, name);
  const loaded = loadScenario(text, { file: name, modules: imported.modules });
  // A module that failed to import is reported once, by the import, not again as "not loaded".
  const errors = [...imported.errors, ...(loaded.ok ? [] : loaded.errors.filter((e) => !imported.errors.some((i) => i.line === e.line)))];
  if (errors.length > 0) return { ok: false, errors: errors.sort((x, y) => x.line - y.line || x.col - y.col) };
  return loaded.ok ? { ok: true, spec: loaded.scenario, label: arg } : { ok: false, errors };
}

/**
 * A TypeScript scenario: its default export, made with defineScenario. tsImport loads it
 * as an ES module wherever it is, even under a package.json without "type": "module"
 * (where plain import() would hand it to the CommonJS loader).
 */
async function loadModule(file: string, label: string): Promise<Input> {
  let module: { default?: unknown };
  try {
    module = (await tsImport(pathToFileURL(resolve(file)).href, import.meta.url)) as { default?: unknown };
  } catch (error) {
    return importFailure(file, error);
  }
  let spec = module.default as Partial<ScenarioSpec> | { default?: unknown } | undefined;
  // A file the CommonJS loader compiled: the ES default export is module.exports.default.
  if (spec !== null && typeof spec === 'object' && 'default' in spec && !('processes' in spec)) spec = spec.default as Partial<ScenarioSpec> | undefined;
  const s = spec as Partial<ScenarioSpec> | undefined;
  if (s === undefined || s === null || typeof s !== 'object' || typeof s.name !== 'string' || !Array.isArray(s.processes)) {
    return fail(file, 'the default export is not a scenario', 'export default defineScenario({ … })');
  }
  return { ok: true, spec: s as ScenarioSpec, label };
}

/** Why a TypeScript scenario could not be imported, at the import that failed when it can tell. */
function importFailure(file: string, error: unknown): Input {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /Cannot find (?:module|package) '(@irpsim\/[^'/]+)/.exec(message)?.[1];
  if (missing !== undefined) {
    const text = readFileSync(file, 'utf8');
    const at = text.search(new RegExp(`['"]${missing.replace('/', '\\/')}['"]`));
    const before = at < 0 ? '' : text.slice(0, at);
    const line = at < 0 ? 1 : before.split('\n').length;
    const col = at < 0 ? 1 : at - before.lastIndexOf('\n');
    return {
      ok: false,
      errors: [
        {
          file,
          line,
          col,
          message: `cannot import '${missing}' from this file: Node looks for packages in the node_modules folders above the file, and none of them holds the irpsim packages`,
          hint: 'keep TypeScript scenarios inside the irpsim repository, in any folder, or in a project that depends on the @irpsim packages',
        },
      ],
    };
  }
  return fail(file, `cannot load this module: ${message.split('\n')[0]}`, null);
}

function fail(file: string, message: string, hint: string | null): Input {
  return { ok: false, errors: [{ file, line: 1, col: 1, message, hint }] };
}
