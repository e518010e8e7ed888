import type { TraceEvent } from '@irpsim/core';
import { IRPSIM_VERSION, SCHEMA_VERSION } from '../version.ts';

/**
 * `--format jsonl`: a header line, then one trace event per line with `seq`, `t` and
 * `type` first. Key order is fixed, so equal runs give byte-identical text.
 */
export function renderJsonl(events: readonly TraceEvent[], header: { scenarioHash: string; seed: number }): string {
  const lines = [JSON.stringify({ schemaVersion: SCHEMA_VERSION, irpsimVersion: IRPSIM_VERSION, scenarioHash: header.scenarioHash, seed: header.seed })];
  for (const event of events) {
    const { seq, t, type, actor, ...fields } = event as TraceEvent & Record<string, unknown>;
    lines.push(JSON.stringify({ seq, t, type, actor, ...fields }));
  }
  return lines.join('\n') + '\n';
}
