import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { didYouMean, loadScenario, type LoadError, type ScenarioSpec } from '@irpsim/scenarios';
import { isFileArgument, listLessons } from './lessons.ts';

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
  const loaded = loadScenario(readFileSync(file, 'utf8'), { file: arg === file ? file : `${arg}.yaml` });
  return loaded.ok ? { ok: true, spec: loaded.scenario, label: arg } : { ok: false, errors: [...loaded.errors] };
}

/** A TypeScript scenario: its default export, made with defineScenario. */
async function loadModule(file: string, label: string): Promise<Input> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (error) {
    return fail(file, `cannot load this module: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, null);
  }
  const spec = module.default as Partial<ScenarioSpec> | undefined;
  if (spec === undefined || typeof spec !== 'object' || typeof spec.name !== 'string' || !Array.isArray(spec.processes)) {
    return fail(file, 'the default export is not a scenario', 'export default defineScenario({ … })');
  }
  return { ok: true, spec: spec as ScenarioSpec, label };
}

function fail(file: string, message: string, hint: string | null): Input {
  return { ok: false, errors: [{ file, line: 1, col: 1, message, hint }] };
}
