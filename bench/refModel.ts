/**
 * The shared model of performance-anchors.md §2.1: N users each issue M requests one at
 * a time (a closed loop); a request hops down 3 levels (delay d each), is serviced
 * (delay s) and hops back up 3 levels (delay d each). Seven scheduled events per request.
 * IRP ids are a global counter from 0, assigned at issue time. The completion-order
 * checksum is h = h·31 + irpId + now (32-bit, unsigned).
 */
export interface RefConfig {
  /** Users (processes), each with one request in flight. */
  readonly n: number;
  /** Requests per user. */
  readonly m: number;
  /** Delay of each hop, in ticks. */
  readonly d: number;
  /** Service delay of the device, in ticks. */
  readonly s: number;
}

export interface RefResult {
  readonly engine: string;
  readonly irps: number;
  readonly events: number;
  readonly endTime: number;
  readonly checksum: number;
  readonly seconds: number;
}

/** Config Z: every event at the same instant, FIFO tie-breaking does all the work. */
export const CONFIG_Z = { d: 0, s: 0 } as const;
/** Config T: d = 1, s = 5. */
export const CONFIG_T = { d: 1, s: 5 } as const;

/** Events per request of the model: 3 down, service, 3 up. */
export const REF_EVENTS_PER_IRP = 7;

/** The checksum step, shared so every engine folds exactly the same way. */
export function checksumStep(h: number, irpId: number, now: number): number {
  return (Math.imul(h, 31) + irpId + now) >>> 0;
}

/** The delay before stage `stage` (1..7) arrives: stage 4 is the service. */
export function stageDelay(stage: number, d: number, s: number): number {
  return stage === 4 ? s : d;
}
