import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IRQL,
  KDpc,
  KEvent,
  KInterrupt,
  KSpinLock,
  KTimer,
  Machine,
  STATUS,
  acquireSpinLock,
  cancelTimer,
  firstCome,
  releaseSpinLock,
  seededRandom,
  setEvent,
  setTimer,
  synchronizeExecution,
  waitForObjects,
  type Routine,
  type Strategy,
  type Thread,
} from '../src/index.ts';

const MS = 1_000_000;

declare module '../src/SystemServices.ts' {
  interface SystemServiceArgs {
    /** A test service that leaves a spin lock held. */
    TestLeaveLockHeld: Record<string, never>;
  }
}

function machine(options: { cpus?: number; strategy?: Strategy; verifier?: boolean } = {}): Machine {
  const m = new Machine({ strategy: options.strategy ?? firstCome(), cpus: options.cpus ?? 2, cost: { interruptLatency: 0 } });
  m.cpus.irqlChecking = options.verifier ?? false;
  m.trace.record();
  return m;
}

/** A system thread running `body` in kernel mode at PASSIVE_LEVEL. */
function kernelThread(m: Machine, name: string, body: (t: Thread) => Routine<unknown>): Thread {
  return m.createSystemThread(name, body);
}

describe('interrupts and DPCs (verifier-and-objects.md C29–C31)', () => {
  it('VO-C30 an interrupt raised twice before its DPC runs queues the DPC once', () => {
    const m = machine({ cpus: 1 });
    const inserted: boolean[] = [];
    const dpc = new KDpc('DpcForIsr', function* () {
      yield 0;
    });
    const interrupt = new KInterrupt('dev', 5, function* () {
      inserted.push(m.cpus.insertQueueDpc(dpc));
      return true;
    });
    m.raiseInterrupt(interrupt);
    m.raiseInterrupt(interrupt);
    const result = m.engine.run();
    expect(result.outcome).toBe('completed');
    expect(interrupt.count).toBe(2);
    expect(inserted).toEqual([true, false]);
    expect(dpc.runs).toBe(1);
    const types = m.trace.events.map((e) => e.type).filter((t) => t === 'dpc.queue' || t === 'dpc.run' || t === 'cpu.isr.end');
    expect(types).toEqual(['dpc.queue', 'cpu.isr.end', 'dpc.queue', 'cpu.isr.end', 'dpc.run']);
  });

  it('VO-C30 under every schedule on 2 CPUs, a DPC runs once per successful insert and an insert while queued fails', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 4 }), (seed, interrupts) => {
        const m = machine({ cpus: 2, strategy: seededRandom(seed) });
        let ok = 0;
        let failedWhileQueued = true;
        const dpc = new KDpc('d', function* () {
          yield 0;
        });
        const interrupt = new KInterrupt('dev', 5, function* () {
          const queued = dpc.queuedOn !== null;
          const inserted = m.cpus.insertQueueDpc(dpc);
          if (inserted) ok++;
          if (queued && inserted) failedWhileQueued = false;
          return true;
        });
        for (let i = 0; i < interrupts; i++) m.raiseInterrupt(interrupt);
        expect(m.engine.run().outcome).toBe('completed');
        expect(dpc.runs).toBe(ok);
        expect(failedWhileQueued).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('VO-C31 a DPC runs on the CPU that queued it, at DISPATCH_LEVEL, after the ISR returns', () => {
    const m = machine({ cpus: 2, strategy: { name: 'cpu1', choose: (_n, kind) => (kind === 'interrupt-cpu' ? 1 : 0) } });
    const seen: { where: string; cpu: number; irql: number }[] = [];
    const dpc = new KDpc('d', function* () {
      seen.push({ where: 'dpc', cpu: m.cpus.currentIndex, irql: m.cpus.irql });
    });
    const interrupt = new KInterrupt('dev', 7, function* () {
      seen.push({ where: 'isr', cpu: m.cpus.currentIndex, irql: m.cpus.irql });
      m.cpus.insertQueueDpc(dpc);
      return true;
    });
    m.raiseInterrupt(interrupt);
    m.engine.run();
    expect(seen).toEqual([
      { where: 'isr', cpu: 1, irql: 7 },
      { where: 'dpc', cpu: 1, irql: IRQL.DISPATCH },
    ]);
  });

  it('VO-C29 an ISR pre-empts a DPC on its CPU between the DPC’s steps; the DPC resumes after it', () => {
    const m = machine({ cpus: 1 });
    const log: string[] = [];
    const interrupt = new KInterrupt('dev', 5, function* () {
      log.push('isr');
      return true;
    });
    const dpc = new KDpc('d', function* () {
      log.push('dpc:1');
      m.raiseInterrupt(interrupt);
      yield 0;
      log.push('dpc:2');
    });
    kernelThread(m, 'k', function* () {
      m.cpus.insertQueueDpc(dpc);
      yield 0;
      log.push('thread');
    });
    m.engine.run();
    expect(log).toEqual(['dpc:1', 'isr', 'dpc:2', 'thread']);
  });

  it('VO-C29 KeSynchronizeExecution never overlaps the ISR of its interrupt on another CPU', () => {
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        const m = machine({ cpus: 2, strategy: seededRandom(seed) });
        let inside = 0;
        let overlap = false;
        const interrupt = new KInterrupt('dev', 5, function* () {
          if (inside > 0) overlap = true;
          return true;
        });
        kernelThread(m, 'k', function* () {
          m.raiseInterrupt(interrupt);
          yield* synchronizeExecution(m.cpus, interrupt, function* () {
            inside++;
            yield 0;
            yield 0;
            inside--;
          });
        });
        expect(m.engine.run().outcome).toBe('completed');
        expect(overlap).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});

describe('spin locks and CPUs (verifier-and-objects.md C26, docs/semantics.md "The CPU model")', () => {
  /** Two system threads and a DPC increment a shared counter with a read, a scheduling point and a write. */
  function counterRace(seed: number, locked: boolean, cpus = 2): number {
    const m = machine({ cpus, strategy: seededRandom(seed) });
    const lock = new KSpinLock('counter');
    let counter = 0;
    function* increment(): Routine<void> {
      const old = locked ? yield* acquireSpinLock(m.cpus, lock) : 0;
      const read = counter;
      yield 0; // a shared-memory access is a scheduling point
      counter = read + 1;
      if (locked) yield* releaseSpinLock(m.cpus, lock, old);
    }
    const dpc = new KDpc('d', function* () {
      // A DPC is already at DISPATCH_LEVEL: take the lock the same way (raise is a no-op).
      yield* increment();
    });
    for (const name of ['a', 'b']) {
      kernelThread(m, name, function* () {
        if (name === 'a') m.cpus.insertQueueDpc(dpc);
        yield* increment();
      });
    }
    expect(m.engine.run().outcome).toBe('completed');
    return counter;
  }

  it('without the lock some schedule loses an update; with it no schedule does', () => {
    const unlocked = Array.from({ length: 40 }, (_, seed) => counterRace(seed, false));
    expect(unlocked.some((n) => n < 3)).toBe(true);
    for (let seed = 0; seed < 60; seed++) expect(counterRace(seed, true)).toBe(3);
  });

  it('the same seed gives the same interleaving', () => {
    for (let seed = 0; seed < 20; seed++) expect(counterRace(seed, false)).toBe(counterRace(seed, false));
  });

  it('VO-C26 on one CPU a thread holding a spin lock keeps the DPC it queued and every other thread off the CPU until it releases', () => {
    const m = machine({ cpus: 1 });
    const lock = new KSpinLock('l');
    const log: string[] = [];
    const dpc = new KDpc('d', function* () {
      log.push('dpc');
    });
    kernelThread(m, 'holder', function* () {
      const old = yield* acquireSpinLock(m.cpus, lock);
      m.cpus.insertQueueDpc(dpc);
      log.push('holder:locked');
      yield 1000;
      log.push('holder:releasing');
      yield* releaseSpinLock(m.cpus, lock, old);
      log.push('holder:released');
    });
    kernelThread(m, 'other', function* () {
      log.push('other');
      yield 0;
    });
    m.engine.run();
    expect(log).toEqual(['holder:locked', 'holder:releasing', 'dpc', 'other', 'holder:released']);
  });

  it('on two CPUs the other CPU keeps running threads while one is held', () => {
    const m = machine({ cpus: 2 });
    const lock = new KSpinLock('l');
    const log: string[] = [];
    kernelThread(m, 'holder', function* () {
      const old = yield* acquireSpinLock(m.cpus, lock);
      yield 1000;
      log.push('holder:releasing');
      yield* releaseSpinLock(m.cpus, lock, old);
    });
    kernelThread(m, 'other', function* () {
      yield 10;
      log.push('other');
    });
    m.engine.run();
    expect(log).toEqual(['other', 'holder:releasing']);
  });

  it('a task acquiring a spin lock it already holds spins forever: the run ends as a deadlock naming the CPU', () => {
    const m = machine({ cpus: 1 });
    const lock = new KSpinLock('l');
    const p = m.createProcess('app');
    m.createThread(p, 'main', function* () {
      yield 0; // stays a user thread that waits for nothing
    });
    kernelThread(m, 'k', function* () {
      yield* acquireSpinLock(m.cpus, lock);
      yield* acquireSpinLock(m.cpus, lock);
    });
    const result = m.engine.run();
    expect(result.outcome).toBe('deadlock');
    expect(result.reason).toMatch(/CPU 0 is held at DISPATCH_LEVEL by System\/k/);
  });
});

describe('IRQL rules for waits (verifier-and-objects.md C13, C14, C26)', () => {
  function waitIn(where: 'dpc' | 'locked-thread', timeoutNs: number | null, verifier: boolean) {
    const m = machine({ cpus: 1, verifier });
    const event = new KEvent('notification');
    const statuses: number[] = [];
    const dpc = new KDpc('d', function* () {
      statuses.push(yield* waitForObjects(m.engine, null, [event], { timeoutNs }));
    });
    kernelThread(m, 'k', function* (t) {
      if (where === 'dpc') m.cpus.insertQueueDpc(dpc);
      else {
        const lock = new KSpinLock('l');
        const old = yield* acquireSpinLock(m.cpus, lock);
        statuses.push(yield* waitForObjects(m.engine, t, [event], { timeoutNs }));
        yield* releaseSpinLock(m.cpus, lock, old);
      }
    });
    const result = m.engine.run();
    return { result, statuses };
  }

  it('VO-C13 a wait with a timeout in a DPC is bug check 0xB8 ATTEMPTED_SWITCH_FROM_DPC', () => {
    const { result } = waitIn('dpc', 10 * MS, false);
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck?.code).toBe(0xb8);
  });

  it('VO-C13 under the verifier a wait at DISPATCH_LEVEL is 0xC4/0x122 with a timeout and 0xC4/0x121 without one', () => {
    for (const where of ['dpc', 'locked-thread'] as const) {
      const timed = waitIn(where, 10 * MS, true).result;
      expect(timed.bugcheck?.code).toBe(0xc4);
      expect(timed.bugcheck?.params[0]).toBe(0x122);
      const forever = waitIn(where, null, true).result;
      expect(forever.bugcheck?.params[0]).toBe(0x121);
    }
  });

  it('VO-C13 a zero timeout at DISPATCH_LEVEL is legal: it tests the object and returns STATUS_TIMEOUT', () => {
    for (const verifier of [false, true]) {
      const { result, statuses } = waitIn('dpc', 0, verifier);
      expect(result.outcome).toBe('completed');
      expect(statuses).toEqual([STATUS.TIMEOUT]);
    }
  });
});

describe('timers (KeSetTimer, KeCancelTimer)', () => {
  it('a timer expires at its due time, signals its waiters and queues its DPC; a periodic one re-arms', () => {
    const m = machine({ cpus: 2 });
    const timer = new KTimer('t', 'notification');
    const runs: number[] = [];
    const dpc = new KDpc('tick', function* () {
      runs.push(m.now);
      if (runs.length === 3) cancelTimer(m.engine, timer);
    });
    let woke = -1;
    kernelThread(m, 'k', function* (t) {
      setTimer(m.engine, m.cpus, timer, 2 * MS, 1 * MS, dpc);
      yield* waitForObjects(m.engine, t, [timer]);
      woke = m.now;
    });
    const result = m.engine.run();
    expect(result.outcome).toBe('completed');
    expect(woke).toBe(2 * MS + m.cost.contextSwitch); // the woken thread is switched back in
    expect(runs).toEqual([2 * MS, 3 * MS, 4 * MS]);
    expect(timer.fired).toBe(3);
  });

  it('KeCancelTimer before expiry: nothing fires, and it reports the timer was set', () => {
    const m = machine();
    const timer = new KTimer('t');
    const dpc = new KDpc('never', function* () {});
    let cancelled = false;
    kernelThread(m, 'k', function* () {
      setTimer(m.engine, m.cpus, timer, 5 * MS, 0, dpc);
      yield MS;
      cancelled = cancelTimer(m.engine, timer);
    });
    m.engine.run();
    expect(cancelled).toBe(true);
    expect(dpc.runs).toBe(0);
    expect(timer.signalState).toBe(0);
  });
});

describe('work items (IO-10.1)', () => {
  it('IO-10.1 a work item runs in a System worker thread at PASSIVE_LEVEL with PreviousMode KernelMode', () => {
    const m = machine();
    const seen: unknown[] = [];
    const done = new KEvent('notification');
    const dpc = new KDpc('d', function* () {
      m.workQueue.queue({
        name: 'item',
        *routine(t) {
          seen.push(t.isSystemThread, t.previousMode, m.cpus.irql, t.process.name);
          setEvent(m.engine, done);
        },
      });
    });
    const p = m.createProcess('app');
    m.createThread(p, 'main', function* (t) {
      m.cpus.insertQueueDpc(dpc);
      t.mode = 'kernel';
      yield* waitForObjects(m.engine, t, [done]);
      t.mode = 'user';
    });
    expect(m.engine.run().outcome).toBe('completed');
    expect(seen).toEqual([true, 'kernel', IRQL.PASSIVE, 'System']);
  });
});

describe('pageable memory at raised IRQL (verifier-and-objects.md C26)', () => {
  it('VO-C26 a DPC that touches a user buffer is bug check 0xD1 with the address and the IRQL; at PASSIVE_LEVEL the same access works', () => {
    const m = machine({ cpus: 1 });
    const p = m.createProcess('app');
    let buffer = 0;
    const dpc = new KDpc('d', function* () {
      m.memory.writeU32(p.space, buffer, 7, 'kernel');
    });
    m.createThread(p, 'main', function* (t) {
      buffer = m.memory.allocateUser(p.space, 4096)!;
      t.mode = 'kernel';
      m.memory.writeU32(p.space, buffer, 1, 'kernel'); // fine at PASSIVE_LEVEL
      m.cpus.insertQueueDpc(dpc);
      yield 0;
    });
    const result = m.engine.run();
    expect(result.bugcheck?.code).toBe(0xd1);
    expect(result.bugcheck?.params).toEqual([buffer, IRQL.DISPATCH, 1, 0]);
    expect(m.memory.readU32(p.space, buffer, 'kernel')).toBe(1);
  });
});

describe('returning to user mode at raised IRQL (verifier-and-objects.md C26)', () => {
  it('VO-C26 a system service that returns holding a spin lock is bug check 0x4A IRQL_GT_ZERO_AT_SYSTEM_SERVICE', () => {
    const m = machine({ cpus: 2 });
    const lock = new KSpinLock('forgotten');
    m.registerService('TestLeaveLockHeld', function* () {
      yield* acquireSpinLock(m.cpus, lock);
      return STATUS.SUCCESS;
    });
    const p = m.createProcess('app');
    m.createThread(p, 'main', function* () {
      yield* m.systemCall('TestLeaveLockHeld', {});
    });
    const result = m.engine.run();
    expect(result.bugcheck?.code).toBe(0x4a);
    expect(result.bugcheck?.params[1]).toBe(IRQL.DISPATCH);
  });
});
