import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { driverModules, type LoadError, type ModuleExports } from '@irpsim/scenarios';

/**
 * Imports the TypeScript driver modules a YAML scenario names (`drivers: - module:
 * ./myDriver.ts`), each relative to the scenario file's folder. This is the one place a
 * YAML scenario leads to code running, and it is the CLI's explicit act: the library's
 * loader only picks the driver out of the exports given (docs/scenario-format.md §3.6).
 * A module that cannot be found or imported is an error at its `module:` line.
 */
export async function loadDriverModules(text: string, file: string, label: string): Promise<{ modules: Map<string, ModuleExports>; errors: LoadError[] }> {
  const modules = new Map<string, ModuleExports>();
  const errors: LoadError[] = [];
  for (const ref of driverModules(text)) {
    if (modules.has(ref.module)) continue;
    const path = resolve(dirname(file), ref.module);
    const at = { file: label, line: ref.line, col: ref.col };
    if (!existsSync(path)) {
      errors.push({ ...at, message: `no such driver module: ${path}`, hint: "a module's path is relative to the scenario file's folder: ./myDriver.ts" });
      continue;
    }
    try {
      modules.set(ref.module, (await tsImport(pathToFileURL(path).href, import.meta.url)) as ModuleExports);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push({ ...at, message: `cannot import the driver module ${ref.module}: ${message.split('\n')[0]}`, hint: null });
    }
  }
  return { modules, errors };
}
