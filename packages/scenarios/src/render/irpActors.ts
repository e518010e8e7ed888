import type { TraceEvent } from '@irpsim/core';

/** What a user thread was doing when it asked for an IRP: its open Win32 call and system service. */
export interface OpenCalls {
  readonly win32: Map<string, { api: string; detail: string }>;
  readonly service: Map<string, string>;
}

export function openCalls(): OpenCalls {
  return { win32: new Map(), service: new Map() };
}

/** Keeps `calls` current as the trace is read in order. */
export function trackCalls(calls: OpenCalls, e: TraceEvent): void {
  switch (e.type) {
    case 'win32.call':
      calls.win32.set(e.actor, { api: e.api, detail: e.detail });
      break;
    case 'win32.return':
      calls.win32.delete(e.actor);
      break;
    case 'syscall.enter':
      calls.service.set(e.actor, e.service);
      break;
    case 'syscall.exit':
      calls.service.delete(e.actor);
      break;
    default:
      break;
  }
}

/** The IRP an event concerns, or null. */
export function irpOf(e: TraceEvent): number | null {
  const irp = (e as { irp?: unknown }).irp;
  return typeof irp === 'number' ? irp : null;
}

/** Sentences for the IRP events the narration leaves out (transfer method, cancel routines, aborts), or null. */
export function describeIrpEvent(e: TraceEvent): string | null {
  switch (e.type) {
    case 'io.irp.transfer':
      return e.method === 'buffered'
        ? `buffered I/O (DO_BUFFERED_IO): system buffer 0x${hex8(e.systemBuffer)} for the caller's ${e.length} bytes at 0x${hex8(e.buffer)}`
        : e.method === 'direct'
          ? `direct I/O (DO_DIRECT_IO): the caller's ${e.length} bytes at 0x${hex8(e.buffer)} locked and described by an MDL`
          : `neither buffered nor direct: the driver gets the caller's pointer 0x${hex8(e.buffer)} (${e.length} bytes) as UserBuffer`;
    case 'io.irp.cancelRoutine':
      return `${e.driver ?? 'the I/O manager'} ${e.set ? 'sets a cancel routine' : 'clears the cancel routine'} (IoSetCancelRoutine; ${e.previous ? 'one was set before' : 'none was set before'})`;
    case 'io.irp.abort':
      return 'a user APC ended the alertable wait of this synchronous request: the I/O manager cancels it';
    case 'io.irp.disassociate':
      return `taken off exiting thread ${e.tid}: it will be freed without notification when it completes`;
    default:
      return null;
  }
}

const hex8 = (n: number): string => (n >>> 0).toString(16).toUpperCase();
