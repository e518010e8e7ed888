import { describeStatus, hex, type Machine, type TraceEvent } from '@irpsim/core';
import { SL, majorName } from '../constants.ts';
import type { Irp } from '../Irp.ts';
import { describeRequest } from './describeRequest.ts';

/** One line of an IRP's life, from the trace: when, who was running, what happened. */
export interface IrpHistoryLine {
  readonly seq: number;
  readonly t: number;
  readonly actor: string;
  readonly what: string;
}

/** One stack location as the crash report shows it. */
export interface StackLocationReport {
  readonly location: number;
  readonly current: boolean;
  readonly major: string;
  readonly device: string | null;
  readonly driver: string | null;
  /** The driver whose completion routine is registered here (IoSetCompletionRoutine), or null. */
  readonly completionRoutine: string | null;
  readonly invokeOn: string[];
  readonly pendingReturned: boolean;
}

/** The crash analysis of an IRP: `BugCheckInfo.analysis` of the verifier's fatal checks. */
export type IrpAnalysis = {
  readonly irp: string;
  readonly state: Irp['state'];
  readonly stackCount: number;
  readonly currentLocation: number;
  readonly status: string;
  readonly cancel: boolean;
  readonly cancelRoutineSetBy: string | null;
  readonly stack: StackLocationReport[];
  /** Every trace event about the IRP, oldest first; empty when the trace was not recorded. */
  readonly history: IrpHistoryLine[];
  /** The requesting thread and the task that was running when the check fired. */
  readonly threads: string[];
};

/**
 * What a crash analysis says about an IRP (like `!irp` and `!analyze -v`): its stack
 * locations with the completion routine each driver registered, the history of who sent
 * it where, who marked it pending, whose completion routine ran with what result, who
 * completed it and when — taken from the recorded trace — and the threads involved.
 */
export function irpAnalysis(machine: Machine, irp: Irp): IrpAnalysis {
  const stack: StackLocationReport[] = [];
  for (let n = irp.stackCount; n >= 1; n--) {
    const sl = irp.stack[n - 1]!;
    const invokeOn = (
      [
        [SL.INVOKE_ON_SUCCESS, 'success'],
        [SL.INVOKE_ON_ERROR, 'error'],
        [SL.INVOKE_ON_CANCEL, 'cancel'],
      ] as const
    )
      .filter(([bit]) => sl.completionRoutine !== null && (sl.control & bit) !== 0)
      .map(([, name]) => name);
    stack.push({
      location: n,
      current: n === irp.currentLocation,
      major: majorName(sl.majorFunction),
      device: sl.deviceObject?.label ?? null,
      driver: sl.deviceObject?.driver.name ?? null,
      completionRoutine: sl.completionRoutine === null ? null : (sl.routineOwner?.name ?? '?'),
      invokeOn,
      pendingReturned: (sl.control & SL.PENDING_RETURNED) !== 0,
    });
  }
  const threads: string[] = [];
  if (irp.thread !== null) threads.push(`requester ${irp.thread.label} (tid ${irp.thread.id}${irp.thread.service !== null ? `, in ${irp.thread.service}` : ''})`);
  const running = machine.engine.current;
  if (running !== null) threads.push(`running ${running.name} (${running.kind})`);
  const history = historyOf(machine.trace.events, irp.id);
  return {
    irp: `${finished(irp) ? describeFinished(irp, machine.trace.events) : describeRequest(irp)} at ${hex(irp.address)}`,
    state: irp.state,
    stackCount: irp.stackCount,
    currentLocation: irp.currentLocation,
    status: describeStatus(irp.status),
    cancel: irp.cancel,
    cancelRoutineSetBy: irp.cancelRoutine === null ? null : (irp.cancelOwner?.name ?? '?'),
    stack,
    history,
    threads,
  };
}

function finished(irp: Irp): boolean {
  return irp.state === 'completed' || irp.state === 'freed' || irp.currentLocation > irp.stackCount + 1;
}

/** A completed IRP's stack locations were cleared by the completion walk: its major function comes from the trace. */
function describeFinished(irp: Irp, events: readonly TraceEvent[]): string {
  for (const e of events) if (e.type === 'io.irp.alloc' && e.irp === irp.id) return `IRP ${irp.id} (${majorName(e.major)})`;
  return `IRP ${irp.id}`;
}

/** The IRP's events from the recorded trace, each said in one line. */
function historyOf(events: readonly TraceEvent[], id: number): IrpHistoryLine[] {
  const lines: IrpHistoryLine[] = [];
  for (const e of events) {
    if (!('irp' in e) || e.irp !== id) continue;
    const what = say(e);
    if (what !== null) lines.push({ seq: e.seq, t: e.t, actor: e.actor, what });
  }
  return lines;
}

function say(e: TraceEvent): string | null {
  switch (e.type) {
    case 'io.irp.alloc':
      return `allocated for ${majorName(e.major)} with ${e.stackCount} stack location${e.stackCount === 1 ? '' : 's'} (${e.requestor}-mode requestor${e.tid !== null ? `, tid ${e.tid}` : ''})`;
    case 'io.irp.buffers':
      return `buffers: ${e.method}, input ${e.inputLength} bytes, output ${e.outputLength} bytes${e.systemBuffer !== 0 ? `, system buffer ${hex(e.systemBuffer)} (${e.systemBufferLength} bytes)` : ''}`;
    case 'io.irp.transfer':
      return `${e.method} transfer of ${e.length} bytes`;
    case 'io.copy':
      return `${e.length} bytes copied ${e.direction === 'in' ? 'in from the caller' : 'back to the caller'}`;
    case 'io.irp.abort':
      return 'the waiting thread was alerted: the I/O manager cancels the request';
    case 'io.irp.call':
      return `${e.caller ?? 'the I/O manager'} called IoCallDriver: location ${e.location} of ${e.stackCount} to ${e.deviceName} (${e.driver}), ${majorName(e.major)}`;
    case 'io.irp.pending':
      return `${e.driver} marked it pending (IoMarkIrpPending) at location ${e.location}`;
    case 'io.irp.return':
      return `the dispatch routine of ${e.driver} (location ${e.location}) returned ${describeStatus(e.status)}`;
    case 'io.irp.cancelRoutine':
      return `${e.driver ?? 'the I/O manager'} ${e.set ? 'set a cancel routine' : 'cleared the cancel routine'} (IoSetCancelRoutine; one was ${e.previous ? '' : 'not '}set before)`;
    case 'io.irp.cancel':
      return `${e.by ?? 'someone'} cancelled it (IoCancelIrp)${e.routine ? ', calling its cancel routine' : ', no cancel routine set'}`;
    case 'io.irp.complete':
      return `${e.driver ?? 'the I/O manager'} completed it (IoCompleteRequest) at location ${e.location} with ${describeStatus(e.status)}, Information ${e.information}`;
    case 'io.irp.routine':
      return `the completion routine of ${e.driver} at location ${e.location} ran (status ${describeStatus(e.status)}) and returned ${describeStatus(e.result)}`;
    case 'io.irp.finish':
      return `final processing: status ${describeStatus(e.status)}, ${e.notified ? 'caller notified' : 'caller not notified'}`;
    case 'io.irp.free':
      return 'freed';
    case 'io.irp.disassociate':
      return `disassociated from thread ${e.tid} (not completed within the 5-minute cancel wait)`;
    case 'verifier.adversary':
      return `adversary ${e.mode}: ${e.detail}`;
    case 'verifier.violation':
      return null;
    default:
      return e.type;
  }
}
