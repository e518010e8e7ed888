import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Where the built-in lessons live. */
export const LESSONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'lessons');

export interface LessonEntry {
  readonly name: string;
  readonly description: string;
  readonly file: string;
}

/** Every lesson, sorted by name, with the description from its file. */
export function listLessons(): LessonEntry[] {
  return readdirSync(LESSONS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = join(LESSONS_DIR, f);
      const data = parse(readFileSync(file, 'utf8')) as { description?: unknown } | null;
      return { name: f.slice(0, -'.yaml'.length), description: String(data?.description ?? ''), file };
    });
}

/** An argument ending in .yaml, .yml or .ts, or containing a `/`, is a file; else a lesson name. */
export function isFileArgument(arg: string): boolean {
  return /\.(ya?ml|ts)$/.test(arg) || arg.includes('/');
}
