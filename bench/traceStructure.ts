import { gzipSync } from 'node:zlib';
import type { TraceEvent } from '@irpsim/core';
import type { VerifierLevel } from '@irpsim/io-manager';
import { runNullIoctl } from './runNullIoctl.ts';
import { sig } from './stats.ts';

export interface TraceStructure {
  /** Trace events per IOCTL round trip, scheduling choices included. */
  readonly eventsPerIrp: number;
  /** The same without `sched.choice` events (which depend on how many threads are runnable). */
  readonly eventsPerIrpExclChoices: number;
  /** Engine steps (routine resumptions) per IOCTL round trip. */
  readonly stepsPerIrp: number;
  /** Events per IOCTL round trip, by type. */
  readonly eventTypes: Record<string, number>;
  /** The completion-order checksum of the (n, m2) run. */
  readonly checksum: number;
  /** The traced and the untraced (n, m2) runs gave the same checksum and step count. */
  readonly observationNeutral: boolean;
  /** Compact JSONL (one JSON.stringify per event), bytes per event, raw and gzipped. */
  readonly jsonlBytesPerEvent: number;
  readonly gzipBytesPerEvent: number;
}

/**
 * Events and steps per IRP, measured structurally: two traced runs with `trace.record()`
 * at m1 and m2 calls per thread; the difference divided by n·(m2 − m1) cancels boot,
 * opens and closes exactly. An untraced run at m2 checks that observing changes nothing.
 */
export function traceStructure(n: number, depth: number, verifier: VerifierLevel, m1 = 2, m2 = 4): TraceStructure {
  const a = runNullIoctl({ n, m: m1, depth, verifier, observe: 'record' });
  const b = runNullIoctl({ n, m: m2, depth, verifier, observe: 'record' });
  const plain = runNullIoctl({ n, m: m2, depth, verifier });
  const irps = n * (m2 - m1);
  const countA = countTypes(a.events);
  const countB = countTypes(b.events);
  const eventTypes: Record<string, number> = {};
  for (const [type, count] of Object.entries(countB)) {
    const perIrp = (count - (countA[type] ?? 0)) / irps;
    if (perIrp !== 0) eventTypes[type] = sig(perIrp);
  }
  const choices = ((countB['sched.choice'] ?? 0) - (countA['sched.choice'] ?? 0)) / irps;
  const eventsPerIrp = (b.traceEvents - a.traceEvents) / irps;
  const jsonl = b.events.map((event) => JSON.stringify(event)).join('\n') + '\n';
  const raw = Buffer.byteLength(jsonl);
  return {
    eventsPerIrp: sig(eventsPerIrp),
    eventsPerIrpExclChoices: sig(eventsPerIrp - choices),
    stepsPerIrp: sig((b.result.stats.steps - a.result.stats.steps) / irps),
    eventTypes,
    checksum: b.checksum,
    observationNeutral: plain.checksum === b.checksum && plain.result.stats.steps === b.result.stats.steps,
    jsonlBytesPerEvent: sig(raw / b.events.length),
    gzipBytesPerEvent: sig(gzipSync(jsonl).length / b.events.length),
  };
}

function countTypes(events: readonly TraceEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}
