import type { TraceEvent } from '@irpsim/core';

/**
 * The IRPs that may have changed since a viewer last looked: what lets a snapshot rebuild
 * the records of the IRPs a step touched instead of reading every IRP in flight
 * (docs/api.md §5). An IRP can change only while some code holds it, and every holder is
 * seen by one of the places that note it here: the I/O manager allocating or freeing it,
 * a trace event naming it (the I/O manager's operations on an IRP emit one in the step they
 * run in: IoCallDriver, the completion walk, final processing, cancellation, the buffers;
 * where one does not — a completion walk the verifier's force-pending adversary gives
 * back — it notes the IRP itself), and a driver's access through its `IrpRef` (the status
 * it writes, the stack locations it fills, every kernel call it makes with the IRP). A
 * viewer reads the changed IRPs after the step, so one note per step is enough, whatever
 * came after it. The property test in scenarios/test/snapshotChanges.test.ts holds every
 * lesson's snapshots against full reads.
 */
export class IrpChangeLog {
  private ids = new Set<number>();

  /** Notes that the IRP `id` may have changed. */
  note(id: number): void {
    this.ids.add(id);
  }

  /** Notes the IRPs a trace event names. */
  noteEvent(event: TraceEvent): void {
    const fields = event as unknown as { readonly irp?: unknown; readonly irps?: unknown };
    if (typeof fields.irp === 'number') this.ids.add(fields.irp);
    if (Array.isArray(fields.irps)) for (const id of fields.irps) if (typeof id === 'number') this.ids.add(id);
  }

  /** The ids noted since the last call, in the order first noted; the log starts empty again. */
  take(): ReadonlySet<number> {
    const ids = this.ids;
    this.ids = new Set();
    return ids;
  }
}
