import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaText } from '../cli/writeSchema.ts';

describe('the published scenario schema', () => {
  it('scenario.schema.json is exactly the schema the loader validates with (npm run schema regenerates it)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
  });
});
