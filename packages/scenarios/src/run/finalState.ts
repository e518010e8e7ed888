import { dispatcherOf, type Machine, type Process, type TraceEvent } from '@irpsim/core';
import type { IoManager } from '@irpsim/io-manager';
import type { FinalExpect } from '../format/finalExpect.ts';
import type { ExpectationResult } from './ScenarioResult.ts';

/** What `final` reads of one process: its open handles, and the named objects' states. */
interface ProcessReading {
  readonly openHandles: number;
  /** Handle name → signalled (null: the handle is not open, or its object cannot be waited on). */
  readonly signalled: ReadonlyMap<string, boolean | null>;
}

/**
 * Checks `expect.final` (format/finalExpect.ts). A process is read at the `thread.exit`
 * of its last thread: the rundown that closes its handles comes right after (Machine
 * exitThread), so what it left open is still there. Processes still running are read
 * when the run ends, and so are the IRPs.
 */
export class FinalState {
  private readonly readings = new Map<string, ProcessReading>();
  private readonly machine: Machine;
  private readonly io: IoManager;
  private readonly expect: FinalExpect;
  /** The scenario's named handles of each process (Simulation's per-process map). */
  private readonly handlesOf: (process: string) => ReadonlyMap<string, number> | undefined;

  constructor(machine: Machine, io: IoManager, expect: FinalExpect, handlesOf: (process: string) => ReadonlyMap<string, number> | undefined) {
    this.machine = machine;
    this.io = io;
    this.expect = expect;
    this.handlesOf = handlesOf;
    // A monitor, not a listener: listeners hear of an event after its step, when the rundown has run.
    machine.engine.addMonitor({
      name: 'expect.final',
      onEvent: (event: TraceEvent) => {
        if (event.type !== 'thread.exit') return;
        const process = machine.processes.find((p) => !p.isSystem && p.threads.some((t) => t.id === (event as { tid?: number }).tid));
        if (process === undefined || !process.threads.every((t) => t.exitStatus !== null)) return;
        if (!this.readings.has(process.name)) this.readings.set(process.name, this.read(process));
      },
    });
  }

  private read(process: Process): ProcessReading {
    const named = this.handlesOf(process.name);
    const signalled = new Map<string, boolean | null>();
    for (const s of this.expect.signalled) {
      if (s.process !== process.name) continue;
      const handle = named?.get(s.handle);
      const entry = handle === undefined ? undefined : process.handles.get(handle);
      const dispatcher = entry === undefined ? null : dispatcherOf(entry.object);
      signalled.set(s.handle, dispatcher === null ? null : dispatcher.signalState > 0);
    }
    return { openHandles: process.handles.handles().length, signalled };
  }

  /** The results, once the run has ended. */
  results(): ExpectationResult[] {
    const all: ExpectationResult[] = [];
    const reading = (name: string): ProcessReading | null => {
      const done = this.readings.get(name);
      if (done !== undefined) return done;
      const process = this.machine.processes.find((p) => !p.isSystem && p.name === name);
      return process === undefined ? null : this.read(process);
    };
    if (this.expect.irpsPending !== null) {
      const pending = [...this.io.irps.keys()];
      all.push({
        description: 'run: final IRPs pending',
        expected: this.expect.irpsPending,
        actual: pending.length === 0 ? 0 : `${pending.length} (IRP ${pending.join(', ')})`,
        passed: pending.length === this.expect.irpsPending,
      });
    }
    for (const [name, wanted] of this.expect.openHandles) {
      const actual = reading(name)?.openHandles ?? null;
      all.push({ description: `run: final open handles of ${name}`, expected: wanted, actual: actual ?? 'the process never started', passed: actual === wanted });
    }
    const show = (s: boolean) => (s ? 'signalled' : 'not signalled');
    for (const s of this.expect.signalled) {
      const actual = reading(s.process)?.signalled.get(s.handle) ?? null;
      all.push({
        description: `run: final state of ${s.process}/${s.handle}`,
        expected: show(s.signalled),
        actual: actual === null ? 'no object (the handle is not open)' : show(actual),
        passed: actual === s.signalled,
      });
    }
    return all;
  }
}
