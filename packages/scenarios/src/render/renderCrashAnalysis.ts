import { hex, type BugCheckInfo } from '@irpsim/core';

/** The parts of the verifier's crash analysis (io-manager `IrpAnalysis`) the text shows. */
interface Analysis {
  readonly error?: string;
  readonly irp?: string;
  readonly stack?: readonly { location: number; current: boolean; major: string; device: string | null; driver: string | null; completionRoutine: string | null; invokeOn: readonly string[]; pendingReturned: boolean }[];
  readonly history?: readonly { seq: number; t: number; actor: string; what: string }[];
  readonly threads?: readonly string[];
}

/**
 * A bug check told like `!analyze -v`: the stop code with its four parameters, the
 * diagnosis, then — when the verifier attached one — the IRP's stack locations (`>` on
 * the current one), its history from the trace and the threads involved.
 */
export function renderCrashAnalysis(b: BugCheckInfo): string[] {
  const lines = [`    ${b.name} (${hex(b.code)}) ${b.params.map((p) => hex(p)).join(', ')}`, `    ${b.message}`];
  const a = (b.analysis ?? {}) as Analysis;
  if (a.error !== undefined) lines.push(`    ${a.error}`);
  if (a.irp !== undefined) lines.push(`    IRP: ${a.irp}`);
  for (const sl of a.stack ?? []) {
    const routine = sl.completionRoutine === null ? '' : `, completion routine of ${sl.completionRoutine} (on ${sl.invokeOn.join('/') || 'never'})`;
    lines.push(`    ${sl.current ? '>' : ' '}[${sl.location}] ${sl.major} ${sl.device ?? '-'}${sl.driver !== null ? ` (${sl.driver})` : ''}${sl.pendingReturned ? ', pending' : ''}${routine}`);
  }
  if ((a.history ?? []).length > 0) {
    lines.push('    history:');
    for (const h of a.history!) lines.push(`      #${h.seq} ${(h.t / 1000).toFixed(3)} µs ${h.actor}: ${h.what}`);
  }
  for (const t of a.threads ?? []) lines.push(`    thread: ${t}`);
  return lines;
}
