// Writes packages/scenarios/scenario.schema.json from the schema the loader uses.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarioSchema } from '@irpsim/scenarios';

export const SCHEMA_FILE = join(import.meta.dirname, '..', 'scenario.schema.json');

export function schemaText(): string {
  return JSON.stringify(scenarioSchema, null, 2) + '\n';
}

if (process.argv[1] === import.meta.filename) {
  writeFileSync(SCHEMA_FILE, schemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
