/** The trace events of cancellation (IoCancelIrp, thread exit, CancelIo/CancelIoEx/CancelSynchronousIo). */
import '@irpsim/core';

declare module '@irpsim/core' {
  interface TraceEventMap {
    /** IoCancelIrp: Cancel is set; `routine` says whether a cancel routine was taken and called (IO-6.1). */
    'io.irp.cancel': { irp: number; by: string | null; routine: boolean };
    /** IoSetCancelRoutine: the routine was set (`set`) or cleared; `previous` says whether one was there (IO-6.3). */
    'io.irp.cancelRoutine': { irp: number; driver: string | null; set: boolean; previous: boolean };
    /** A thread asked to cancel I/O: `api` is the service, `irps` the requests it matched. */
    'io.cancel.request': { tid: number; api: string; file: number | null; target: number | null; irps: number[] };
    /** A cancelled IRP of an exiting thread was not completed in time and was disassociated from it (IO-6.5). */
    'io.irp.disassociate': { irp: number; tid: number };
  }
}

export {};
