/**
 * A lesson's `report:` section once loaded (docs/scenario-format.md, "Reports"): a table
 * computed from the trace of the run, one row per call, note, thread or the whole run.
 */
export interface ReportSpec {
  readonly title: string;
  /** What one row stands for. */
  readonly rows: ReportRows;
  /** Win32 API names: which calls make rows (`rows: calls`), or which calls `calls` counts (other rows); null: all. */
  readonly api: readonly string[] | null;
  /** Only the rows of these threads (`process/thread`); null: every user thread. */
  readonly threads: readonly string[] | null;
  readonly columns: readonly ReportColumnSpec[];
  readonly expect: readonly ReportExpectation[];
}

export type ReportRows = 'calls' | 'notes' | 'threads' | 'run';

/** The measures every row has. */
export const MEASURES = {
  label: 'what the row stands for: the call and its detail, the note, the thread, the scenario',
  thread: 'the thread (process/thread); empty for rows: run',
  api: 'the Win32 API (rows: calls); empty otherwise',
  status: 'the call returned: TRUE, FALSE with its error, or the NTSTATUS name (rows: calls)',
  time: 'simulated nanoseconds from the start of the row to its end (a call: until it returns)',
  latency: 'simulated nanoseconds from the start of the row until the last IRP it sent was finished',
  calls: 'Win32 calls made in the row (only those of `api` when given)',
  irps: 'IRPs the row allocated',
  copied: 'bytes the I/O manager copied between user buffers and system buffers (io.copy)',
  copies: 'copies the I/O manager made (io.copy events)',
  transferred: 'bytes the IRPs reported in IoStatus.Information at their final processing',
  syscalls: 'system calls (user-to-kernel transitions)',
  events: 'trace events in the row',
} as const;

export type MeasureName = keyof typeof MEASURES;

export const TEXT_MEASURES: ReadonlySet<string> = new Set(['label', 'thread', 'api', 'status']);

export type Measure =
  | { readonly kind: 'measure'; readonly name: MeasureName }
  /** How many events of a type the row has. */
  | { readonly kind: 'count'; readonly type: string }
  /** The sum of a numeric field over the row's events of a type. */
  | { readonly kind: 'sum'; readonly type: string; readonly field: string };

export interface ReportColumnSpec {
  readonly title: string;
  readonly measure: Measure;
  /** Divide by this number, or by this count measure of the same row (`per: calls`). */
  readonly per: number | MeasureName | null;
  /** How numbers show in the text table: nanoseconds as µs, or as they are. */
  readonly unit: 'ns' | 'bytes' | null;
}

export type CompareOp = 'equals' | 'below' | 'above' | 'atMost' | 'atLeast';
export const COMPARE_OPS: readonly CompareOp[] = ['equals', 'below', 'above', 'atMost', 'atLeast'];

/** A check on the table: a cell against a number or against the same or another column of another row. */
export interface ReportExpectation {
  readonly row: string;
  readonly column: string;
  readonly op: CompareOp;
  readonly than: number | { readonly row: string; readonly column: string };
}

/** The computed table, as the JSON output carries it. */
export interface Report {
  readonly title: string;
  readonly rows: ReportRows;
  readonly columns: readonly { readonly title: string; readonly unit: 'ns' | 'bytes' | null }[];
  /** One array per row, one cell per column: text, a number, or null (a division by zero). */
  readonly table: readonly (readonly (string | number | null)[])[];
}
