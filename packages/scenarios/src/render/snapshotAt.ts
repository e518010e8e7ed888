import type { Simulation } from '../run/Simulation.ts';
import { snapshotIo, type IoSnapshot } from './ioSnapshot.ts';

/**
 * Arranges for the I/O state to be captured as event `seq` is emitted — not after the step
 * that emitted it, when a completed IRP may already be gone. Attach it before running; the
 * hook only reads, so the run is the same with or without it.
 */
export function snapshotAt(simulation: Simulation, seq: number): () => IoSnapshot | null {
  let snapshot: IoSnapshot | null = null;
  simulation.machine.engine.addMonitor({
    name: `snapshot at event ${seq}`,
    onEvent(event) {
      if (event.seq === seq) snapshot = snapshotIo(simulation.io, event);
    },
  });
  return () => snapshot;
}
