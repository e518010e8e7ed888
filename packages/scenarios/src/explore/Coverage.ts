import { statusName, type TraceEvent } from '@irpsim/core';
import { majorName } from '@irpsim/io-manager';

/** What an exploration reached, over all its runs. */
export interface CoverageSummary {
  /** Choice kind → how many choices of that kind were made, over all runs. */
  readonly choiceKinds: Readonly<Record<string, number>>;
  /** `driver IRP_MJ_… STATUS_…` — each IRP's first driver, major function and final status — sorted. */
  readonly irpOutcomes: readonly string[];
  /** Real choices per run. */
  readonly choicesPerRun: { readonly min: number; readonly mean: number; readonly max: number };
  readonly distinctTraces: number;
  /** Distinct traces per 1,000 schedules (rounded); 1000 means every run differed. */
  readonly distinctTracesPer1000: number;
}

/**
 * Coverage as data that merges exactly: what a shard or a worker hands on, so that the
 * merge of the slices of an exploration has the coverage of the whole.
 */
export interface CoverageData {
  readonly runs: number;
  readonly choiceKinds: Readonly<Record<string, number>>;
  readonly irpOutcomes: readonly string[];
  readonly choiceTotal: number;
  /** null when no run was added. */
  readonly choiceMin: number | null;
  readonly choiceMax: number;
  /** Every distinct trace's hash, sorted. */
  readonly traceHashes: readonly string[];
}

/** Gathers coverage from each run's trace. */
export class Coverage {
  private readonly kinds = new Map<string, number>();
  private readonly outcomes = new Set<string>();
  private readonly traces = new Set<string>();
  private runs = 0;
  private choiceTotal = 0;
  private choiceMin = Infinity;
  private choiceMax = 0;

  /** Adds a recorded run: its events, its number of real choices and its trace's fingerprint. */
  add(events: readonly TraceEvent[], choices: number, traceHash: string): void {
    const run = this.begin();
    for (const event of events) run(event);
    this.end(choices, traceHash);
  }

  /**
   * Starts a run whose events are streamed to the function returned (an exploration does
   * not record its runs); `end` closes it.
   */
  begin(): (event: TraceEvent) => void {
    // Per IRP: its major function (alloc), the first driver called, its final status.
    const irps = new Map<number, { major: number; driver: string | null }>();
    return (e) => {
      const event = e as TraceEvent & Record<string, unknown>;
      switch (event.type) {
        case 'sched.choice': {
          const kind = String(event.kind);
          this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
          break;
        }
        case 'io.irp.alloc':
          irps.set(event.irp as number, { major: event.major as number, driver: null });
          break;
        case 'io.irp.call': {
          const irp = irps.get(event.irp as number);
          if (irp !== undefined && irp.driver === null) irp.driver = event.driver as string;
          break;
        }
        case 'io.irp.finish': {
          const irp = irps.get(event.irp as number);
          if (irp !== undefined) this.outcomes.add(`${irp.driver ?? '(no driver)'} ${majorName(irp.major)} ${statusName(event.status as number)}`);
          break;
        }
      }
    };
  }

  /** Ends the run `begin` started. */
  end(choices: number, traceHash: string): void {
    this.runs++;
    this.choiceTotal += choices;
    this.choiceMin = Math.min(this.choiceMin, choices);
    this.choiceMax = Math.max(this.choiceMax, choices);
    this.traces.add(traceHash);
  }

  /** Adds another slice's coverage: the result is that of both slices' runs together. */
  merge(data: CoverageData): void {
    this.runs += data.runs;
    for (const [kind, n] of Object.entries(data.choiceKinds)) this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + n);
    for (const o of data.irpOutcomes) this.outcomes.add(o);
    for (const t of data.traceHashes) this.traces.add(t);
    this.choiceTotal += data.choiceTotal;
    if (data.choiceMin !== null) this.choiceMin = Math.min(this.choiceMin, data.choiceMin);
    this.choiceMax = Math.max(this.choiceMax, data.choiceMax);
  }

  data(): CoverageData {
    return {
      runs: this.runs,
      choiceKinds: sortedRecord(this.kinds),
      irpOutcomes: [...this.outcomes].sort(),
      choiceTotal: this.choiceTotal,
      choiceMin: this.runs === 0 ? null : this.choiceMin,
      choiceMax: this.choiceMax,
      traceHashes: [...this.traces].sort(),
    };
  }

  summary(): CoverageSummary {
    const runs = Math.max(1, this.runs);
    return {
      choiceKinds: sortedRecord(this.kinds),
      irpOutcomes: [...this.outcomes].sort(),
      choicesPerRun: {
        min: this.runs === 0 ? 0 : this.choiceMin,
        mean: Math.round((this.choiceTotal / runs) * 10) / 10,
        max: this.choiceMax,
      },
      distinctTraces: this.traces.size,
      distinctTracesPer1000: Math.round((this.traces.size * 1000) / runs),
    };
  }

  static from(data: CoverageData): Coverage {
    const coverage = new Coverage();
    coverage.merge(data);
    return coverage;
  }
}

function sortedRecord(map: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
