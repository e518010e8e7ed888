/** The trace event of the adversary modes (docs/verifier.md "Adversaries"). */
import '@irpsim/core';

declare module '@irpsim/core' {
  interface TraceEventMap {
    /** An adversary injected a fault: `mode` is the adversary mode, `irp` the request it concerns (if any). */
    'verifier.adversary': { mode: string; irp: number | null; detail: string };
  }
}

export {};
