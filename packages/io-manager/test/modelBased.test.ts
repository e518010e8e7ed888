import { STATUS, firstCome, ntError, ntSuccess, seededRandom, type AddressSpace, type NtStatus, type Routine } from '@irpsim/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, ERROR, FILE_FLAG_OVERLAPPED, FILE_SKIP, INFINITE, INVALID_HANDLE_VALUE, IRP_MJ, METHOD, OVERLAPPED, WAIT, ntStatusToWin32, type FileIoCompletionRoutine, type Win32 } from '../src/index.ts';
import { ARENA, BEFORE, COUNT, COUNT_PRESET, IN, Model, OUT, OV, PORT_KEY, SLOT, SLOTS, describeArena, type Op, type RequestModel } from './__helpers__/ioModel.ts';
import { ModelDevice, PATTERN, modelStack, type Answer, type StackShape } from './__helpers__/modelStack.ts';
import { SteppedApp } from './__helpers__/steppedApp.ts';

/*
 * A model-based test of what a user program sees (fast-check commands): random sequences
 * of CreateFile (synchronous or overlapped), DeviceIoControl of each method, ReadFile,
 * WriteFile — synchronous, or overlapped with an event or with the file handle as what is
 * waited on, ReadFileEx / WriteFileEx, issued by the app thread, a second user thread or
 * a thread that exits at once (or is terminated while blocked in a synchronous call) —
 * the driver completing a held request (Fire), a cancel racing that completion,
 * GetOverlappedResult with and without waiting, alertable sleeps, a completion port,
 * CancelIoEx, CancelIo and CloseHandle, against randomly assembled correct stacks
 * (modelStack.ts) under current or legacy Windows and first-come or random schedules. Each
 * command runs to its end in the simulated app (SteppedApp) and is then compared with the
 * model (__helpers__/ioModel.ts): the Win32 result and last error, what the bottom driver
 * found in the request, every byte of an arena of user memory holding all the buffers with
 * guard bytes between them, the state of every event and overlapped file handle, the
 * packets dequeued and the APCs run. After the run the trace must show every IRP completed
 * and finished exactly once, with the status the driver set.
 */

/** The driver's answer as generated: Information is a share of the output length (a correct driver never overstates it). */
interface Reply {
  readonly status: NtStatus;
  readonly infoShare: number;
  /** Pend: held until the test fires it (overlapped handle) or completed 1–3 ms later by a timer DPC (synchronous handle). */
  readonly later: boolean;
  readonly pendMs: number;
}

/** The machine side: the stepped app, the driver's log, handle and event values, the arena. */
interface Real {
  readonly app: SteppedApp;
  readonly device: ModelDevice;
  readonly handles: number[];
  /** Event handle by request id. */
  readonly events: Map<number, number>;
  readonly base: number;
  readonly space: AddressSpace;
  /** The completion port, and room for GetQueuedCompletionStatus's three results (outside the arena). */
  readonly port: number;
  readonly outs: number;
  /** The completion routine of ReadFileEx / WriteFileEx, and the calls it got, oldest first. */
  readonly completion: FileIoCompletionRoutine;
  readonly ran: { error: number; bytes: number; ov: number }[];
}

type Cmd = fc.Command<Model, Real>;

interface Waits {
  /** WaitForSingleObject(hEvent, 0) by request id. */
  readonly events: Map<number, number>;
  /** WaitForSingleObject(hFile, 0) by handle, for the overlapped handles open before the command. */
  readonly files: Map<number, number>;
}

/** Runs `job` in the app thread, then lets what it set going run and reads the state of every event and overlapped file handle (a 0-ms wait). */
function perform<T>(m: Model, r: Real, job: (u: Win32) => Routine<T>, thread = 0): { value: T; waits: Waits } {
  const files = m.openHandles().filter((h) => m.handles[h]!.overlapped);
  m.batch++; // one command, one perform: what the command finishes is one batch of packets
  return r.app.exec(function* (u) {
    const value = yield* job(u);
    yield* u.Sleep(1); // the user's think time: a DPC or an APC the command set going has run
    const waits: Waits = { events: new Map(), files: new Map() };
    for (const [id, ev] of r.events) waits.events.set(id, yield* u.WaitForSingleObject(ev, 0));
    for (const h of files) waits.files.set(h, yield* u.WaitForSingleObject(r.handles[h]!, 0));
    return { value, waits };
  }, thread);
}

/** The arena byte for byte, and every event, as the model says. */
function compare(m: Model, r: Real, waits: Waits): void {
  expect(r.ran).toEqual([]); // completion APCs run only in alertable waits (IO-7.12)
  const arena = r.app.machine.memory.read(r.space, r.base, ARENA, 'user');
  const expected = [...m.image];
  for (const i of m.loose) expected[i] = arena[i]!;
  expect(describeArena([...arena])).toEqual(describeArena(expected));
  for (const [id, waited] of waits.events) expect({ request: id, signalled: waited === WAIT.OBJECT_0 }).toEqual({ request: id, signalled: m.signalled.get(id) ?? false });
  for (const [h, waited] of waits.files) if (m.handles[h]!.open && m.handles[h]!.signalled !== null) expect({ handle: h, signalled: waited === WAIT.OBJECT_0 }).toEqual({ handle: h, signalled: m.handles[h]!.signalled });
}


// ── the commands ────────────────────────────────────────────────────────────────

class Open implements Cmd {
  readonly overlapped: boolean;
  /** An overlapped handle is then associated with the completion port. */
  readonly port: boolean;
  /** And given these completion-notification modes. */
  readonly modes: number;
  constructor(overlapped: boolean, port: boolean, modes: number) {
    this.overlapped = overlapped;
    this.port = port;
    this.modes = modes;
  }
  check(m: Model) {
    return m.openHandles().length < 3;
  }
  run(m: Model, r: Real) {
    const overlapped = this.overlapped;
    const port = overlapped && this.port;
    const modes = overlapped ? this.modes : 0;
    const key = PORT_KEY + m.handles.length;
    const got = perform(m, r, function* (u) {
      const handle = yield* u.CreateFile('\\\\.\\Model', 0xc0000000, 0, CREATION.OPEN_EXISTING, overlapped ? FILE_FLAG_OVERLAPPED : 0);
      const associated = port ? yield* u.CreateIoCompletionPort(handle, r.port, key, 0) : r.port;
      const set = modes !== 0 ? yield* u.SetFileCompletionNotificationModes(handle, modes) : true;
      return { handle, associated, set };
    });
    compare(m, r, got.waits);
    expect(got.value.handle).not.toBe(INVALID_HANDLE_VALUE);
    expect({ associated: got.value.associated, set: got.value.set }).toEqual({ associated: r.port, set: true });
    m.handles.push({ overlapped, port, modes, open: true, signalled: null });
    r.handles.push(got.value.handle);
  }
  toString() {
    return `Open(${this.overlapped ? `overlapped${this.port ? ', port' : ''}${this.modes !== 0 ? `, modes ${this.modes}` : ''}` : 'sync'})`;
  }
}

/** GetQueuedCompletionStatus without waiting: the oldest packet, or WAIT_TIMEOUT with *lpOverlapped = NULL (IO-7.9, IO-7.10). */
class Dequeue implements Cmd {
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    const got = perform(m, r, function* (u) {
      u.SetLastError(0);
      const ok = yield* u.GetQueuedCompletionStatus(r.port, r.outs, r.outs + 4, r.outs + 8, 0);
      const [bytes, key, ov] = [u.readU32(r.outs), u.readU32(r.outs + 4), u.readU32(r.outs + 8)];
      return { ok, error: u.GetLastError(), bytes, key, ov: ov === 0 ? 0 : ov - r.base };
    });
    const packet = m.takePacket((p) => p.ov === got.value.ov && p.key === got.value.key);
    compare(m, r, got.waits);
    if (packet === undefined) expect({ ok: got.value.ok, error: got.value.error, ov: got.value.ov }).toEqual({ ok: false, error: WAIT.TIMEOUT, ov: 0 });
    else {
      const ok = ntSuccess(packet.status);
      expect(got.value).toEqual({ ok, error: ok ? 0 : ntStatusToWin32(packet.status), bytes: packet.information, key: packet.key, ov: packet.ov });
    }
  }
  toString() {
    return 'Dequeue';
  }
}

class Close implements Cmd {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check(m: Model) {
    return m.openHandles().length > 0;
  }
  run(m: Model, r: Real) {
    const open = m.openHandles();
    const h = open[this.pick % open.length]!;
    const got = perform(m, r, (u) => u.CloseHandle(r.handles[h]!));
    closed(m, h);
    compare(m, r, got.waits);
    expect(got.value).toBe(true);
  }
  toString() {
    return `Close(${this.pick})`;
  }
}

/** CloseHandle: CLEANUP reaches the driver, which cancels the file object's held requests or leaves them (IO-6.5: CloseHandle does not cancel by itself; IO-9.6). */
function closed(m: Model, h: number): void {
  m.handles[h]!.open = false;
  if (m.shape.cleanup === 'cancel-queued') for (const q of m.held(h)) m.finish(q, STATUS.CANCELLED, 0, true);
}

/** How a request is made, beside what it is. */
interface How {
  /** An OVERLAPPED with its own event (else, on an overlapped handle, the file handle is what is waited on). */
  readonly withEvent: boolean;
  /** Issued by a new thread that exits at once: its exit cancels what it leaves pending (IO-6.5). */
  readonly worker: boolean;
  /**
   * With `worker` on a synchronous handle, a request the driver holds: the worker blocks in
   * it and is terminated; its wait ends and its exit cancels the request (IO-6.5).
   */
  readonly terminate: boolean;
  /** On a synchronous handle, pass an OVERLAPPED anyway (with an event when `withEvent`): ReadFile/WriteFile use it, DeviceIoControl ignores it (IO-7.1). */
  readonly syncOverlapped: boolean;
  /** A read or write on an overlapped handle without a port, from the app thread: ReadFileEx / WriteFileEx (IO-7.12). */
  readonly ex: boolean;
  /** Issued by the second user thread (its APCs never run: it never waits alertably, so no ReadFileEx there). */
  readonly second: boolean;
}

class Request implements Cmd {
  readonly op: Op;
  readonly reply: Reply;
  readonly pick: number;
  readonly how: How;
  constructor(op: Op, reply: Reply, pick: number, how: How) {
    this.op = op;
    this.reply = reply;
    this.pick = pick;
    this.how = how;
  }
  check(m: Model) {
    if (m.requests.length >= SLOTS) return false;
    const open = m.openHandles();
    if (open.length === 0) return false;
    const h = open[this.pick % open.length]!;
    const held = m.held(h);
    // Waiting on the file handle is exact only while this request is the file object's one outstanding request (IO-7.8).
    if (held.some((q) => !q.event && !q.apc)) return false;
    return !(m.handles[h]!.overlapped && !this.how.withEvent && !this.exOn(m, h) && held.length > 0);
  }
  /** Whether this request is a ReadFileEx / WriteFileEx on handle `h`. */
  private exOn(m: Model, h: number): boolean {
    const handle = m.handles[h]!;
    const how = this.how;
    return how.ex && !how.worker && !how.second && this.op.kind !== 'ioctl' && handle.overlapped && !handle.port;
  }
  run(m: Model, r: Real) {
    const open = m.openHandles();
    const h = open[this.pick % open.length]!;
    const overlapped = m.handles[h]!.overlapped;
    const op = this.op;
    const id = m.requests.length;
    const slot = id * SLOT;
    const capacity = op.kind === 'ioctl' ? op.outLength : op.length;
    const information = Math.floor(this.reply.infoShare * capacity);
    const how = this.how;
    const terminate = how.worker && how.terminate && !overlapped;
    const later = this.reply.later || terminate;
    const withOv = overlapped || how.syncOverlapped;
    const ex = this.exOn(m, h);
    const thread = how.second && !ex ? 1 : 0;
    const request: RequestModel = { id, handle: h, thread, op, status: this.reply.status, information, event: withOv && how.withEvent && !ex, apc: ex, state: 'held', final: null };
    m.requests.push(request);
    const input = op.kind === 'ioctl' ? op.inLength : op.kind === 'write' ? op.length : 0;
    const inBytes = Uint8Array.from({ length: input }, (_, i) => i + 1);
    const output = op.kind === 'write' || (op.kind === 'ioctl' && op.method === METHOD.IN_DIRECT) ? 0 : capacity;
    const answer: Answer = { request: id, status: this.reply.status, information, output, pend: !later ? 'now' : overlapped || terminate ? 'hold' : this.reply.pendMs };
    const base = r.base + slot;
    const worker = how.worker;
    const got = perform(m, r, function* (u) {
      u.write(base + IN, inBytes);
      let event = 0;
      if (withOv) {
        u.write(base + OV, new Uint8Array(OVERLAPPED.size));
        if (request.event) {
          event = yield* u.CreateEvent(true, false);
          yield* u.SetEvent(event); // the service resets it (IO-7.3)
          u.writeU32(base + OV + OVERLAPPED.hEvent, event);
        }
      }
      if (!overlapped) u.writeU32(base + COUNT, COUNT_PRESET);
      r.device.next = answer;
      const count = overlapped ? 0 : base + COUNT;
      const ov = withOv ? base + OV : 0;
      const issue = function* (w: Win32) {
        w.SetLastError(0);
        let ok: boolean;
        if (ex && op.kind !== 'ioctl') ok = yield* (op.kind === 'read' ? w.ReadFileEx(r.handles[h]!, base + OUT, op.length, ov, r.completion) : w.WriteFileEx(r.handles[h]!, base + IN, op.length, ov, r.completion));
        else if (op.kind === 'ioctl') ok = yield* w.DeviceIoControl(r.handles[h]!, CTL_CODE(0x22, 0x800, op.method, 0), input > 0 ? base + IN : 0, input, base + OUT, op.outLength, count, ov);
        else if (op.kind === 'read') ok = yield* w.ReadFile(r.handles[h]!, base + OUT, op.length, count, ov);
        else ok = yield* w.WriteFile(r.handles[h]!, base + IN, op.length, count, ov);
        return { ok, error: w.GetLastError() };
      };
      if (!worker) return { ...(yield* issue(u)), event, exited: WAIT.OBJECT_0 };
      const result = { ok: false, error: -1 };
      const spawned = yield* u.CreateThread('worker', function* (w) {
        Object.assign(result, yield* issue(w));
      });
      if (terminate) {
        yield* u.Sleep(1); // the worker is blocked in its synchronous call
        if (!(yield* u.TerminateThread(spawned, 9))) return { ok: false, error: -2, event, exited: WAIT.FAILED };
      }
      const exited = yield* u.WaitForSingleObject(spawned, INFINITE);
      yield* u.CloseHandle(spawned);
      return { ...result, event, exited };
    }, thread);
    const { ok, error, event, exited } = got.value;
    expect(exited).toBe(WAIT.OBJECT_0);
    if (event !== 0) r.events.set(id, event);
    expect(r.device.next).toBe(null); // the request reached the bottom driver
    // With the caller's lengths and a copy of (or the pointer to) its input (IO-3.1, IO-3.4, IO-3.8, IO-4.2, IO-4.4).
    const major = op.kind === 'ioctl' ? IRP_MJ.DEVICE_CONTROL : op.kind === 'read' ? IRP_MJ.READ : IRP_MJ.WRITE;
    expect(r.device.seen.get(id)).toEqual({ major, length: capacity, inputLength: op.kind === 'ioctl' ? input : 0, input: [...inBytes] });
    // What the test wrote, then what the system does.
    m.handles[h]!.signalled = false; // the service resets the file object's event (IO-7.3)
    m.put(slot + IN, inBytes);
    if (withOv) {
      m.fill(slot + OV, OVERLAPPED.size, 0);
      if (request.event) m.putU32(slot + OV + OVERLAPPED.hEvent, event);
      m.signalled.set(id, true); // SetEvent above
    }
    // kernel32 sets Internal = STATUS_PENDING before the call (IO-7.3) — not DeviceIoControl on a synchronous handle, which ignores the OVERLAPPED (IO-7.1).
    const usesOv = overlapped || (withOv && op.kind !== 'ioctl');
    if (usesOv) {
      m.putU32(slot + OV + OVERLAPPED.Internal, STATUS.PENDING);
      m.signalled.set(id, false); // the service resets the caller's event (IO-7.3)
    }
    if (!overlapped) m.putU32(slot + COUNT, COUNT_PRESET);
    m.fill(slot + OUT, m.directBytes(op), PATTERN);
    const status = this.reply.status;
    let expected: { ok: boolean; error: number };
    if (terminate) {
      // IO-6.5: the terminated worker's wait ended and its exit cancelled the request; the call never returned. The
      // count was zeroed on entry by ReadFile/WriteFile; the OVERLAPPED (IOSB) of a read or write is written as for
      // any pended error (IO-7.7).
      m.finish(request, STATUS.CANCELLED, 0, true);
      if (op.kind !== 'ioctl') m.putU32(slot + COUNT, 0);
      if (usesOv && m.windows === 'current') {
        m.putU32(slot + OV + OVERLAPPED.Internal, STATUS.CANCELLED);
        m.putU32(slot + OV + OVERLAPPED.InternalHigh, 0);
        if (request.event) m.signalled.set(id, true);
      }
      expected = { ok: false, error: -1 };
    } else if (!overlapped) {
      // IO-7.1, IO-7.2, IO-4.8: the call waits; the result is the final status.
      m.finish(request, status, information, later);
      if (op.kind !== 'ioctl') m.putU32(slot + COUNT, 0); // ReadFile/WriteFile zero the count on entry
      // The count: Information unless an error; with an OVERLAPPED, ReadFile/WriteFile give it only on success (IO-4.8).
      if (usesOv ? ntSuccess(status) : !ntError(status)) m.putU32(slot + COUNT, information);
      // The OVERLAPPED is the IOSB: written and its event set when notified (§11), except that legacy Windows leaves
      // them alone for a pended error (IO-7.7 *Legacy*).
      const notified = later || !ntError(status);
      const callerToo = !(m.windows === 'legacy' && later && ntError(status));
      if (usesOv && notified && callerToo) {
        m.putU32(slot + OV + OVERLAPPED.Internal, status);
        m.putU32(slot + OV + OVERLAPPED.InternalHigh, information);
        if (request.event) m.signalled.set(id, true);
      }
      expected = { ok: ntSuccess(status), error: ntSuccess(status) ? 0 : ntStatusToWin32(status) };
    } else if (ex) {
      // IO-7.12: TRUE when it pended or succeeded; FALSE with the mapped error otherwise (a warning's APC is queued all the same).
      if (!later) m.finish(request, status, information, false);
      expected = later || ntSuccess(status) ? { ok: true, error: 0 } : { ok: false, error: ntStatusToWin32(status) };
    } else if (later) {
      // IO-7.4: FALSE / ERROR_IO_PENDING; the driver holds it — until the worker's exit cancels it (IO-6.5).
      expected = { ok: false, error: ERROR.IO_PENDING };
      if (worker) m.finish(request, STATUS.CANCELLED, 0, true);
    } else {
      m.finish(request, status, information, false);
      // IO-7.5, IO-7.6: success → TRUE; warning → ERROR_IO_PENDING with the result already there (legacy: the mapped
      // warning); error → nothing written.
      const warning = m.windows === 'current' ? ERROR.IO_PENDING : ntStatusToWin32(status);
      expected = ntSuccess(status) ? { ok: true, error: 0 } : { ok: false, error: ntError(status) ? ntStatusToWin32(status) : warning };
    }
    compare(m, r, got.waits);
    expect({ ok, error }).toEqual(expected);
  }
  toString() {
    const op = this.op;
    const what = op.kind === 'ioctl' ? `ioctl(method ${op.method}, in ${op.inLength}, out ${op.outLength})` : `${op.kind}(${op.length})`;
    const how = this.how;
    const flags = [how.withEvent ? 'event' : 'file', how.worker && (how.terminate ? 'worker, terminated if sync' : 'worker'), how.syncOverlapped && 'OVERLAPPED if sync', how.ex && 'Ex if overlapped', how.second && 'second thread'];
    return `Request(${what}, 0x${this.reply.status.toString(16)}, share ${this.reply.infoShare.toFixed(2)}, ${this.reply.later ? `later ${this.reply.pendMs} ms` : 'now'}, handle ${this.pick}, ${flags.filter(Boolean).join(', ')})`;
  }
}

/** The driver completes a held request (a timer DPC, 1 ms later); the caller then waits for it, or just lets it finish. */
class Fire implements Cmd {
  readonly pick: number;
  readonly wait: boolean;
  constructor(pick: number, wait: boolean) {
    this.pick = pick;
    this.wait = wait;
  }
  private target(m: Model) {
    // Waiting on the file handle needs it open, and signalled at completion: not under FILE_SKIP_SET_EVENT_ON_HANDLE (IO-7.8).
    const waitable = (q: RequestModel) => q.event || q.apc || (m.handles[q.handle]!.open && (m.handles[q.handle]!.modes & FILE_SKIP.SET_EVENT_ON_HANDLE) === 0);
    const held = m.requests.filter((q) => q.state === 'held' && (!this.wait || waitable(q)));
    return held[this.pick % Math.max(1, held.length)];
  }
  check(m: Model) {
    return this.target(m) !== undefined;
  }
  run(m: Model, r: Real) {
    const q = this.target(m)!;
    const wait = this.wait;
    const base = r.base + q.id * SLOT;
    const event = r.events.get(q.id) ?? 0;
    const queued = m.apcs.length;
    const got = perform(m, r, function* (u) {
      r.device.fire(q.id);
      if (!wait) {
        yield* u.Sleep(2);
        return null;
      }
      // ReadFileEx / WriteFileEx: an alertable wait, ended by the completion APC (IO-7.12) — or at once by the
      // APCs already queued, and then this request's APC waits for the next alertable wait.
      if (q.apc) {
        const woke = yield* u.SleepEx(INFINITE, true);
        const ran = r.ran.splice(0);
        if (queued > 0) yield* u.Sleep(2);
        return { woke, ran };
      }
      // A real wait: on the event (WaitForSingleObject), or on the file handle (GetOverlappedResult with bWait, IO-7.8, IO-7.11).
      const woke = event !== 0 ? yield* u.WaitForSingleObject(event, INFINITE) : WAIT.OBJECT_0;
      const ok = yield* u.GetOverlappedResult(r.handles[q.handle]!, base + OV, base + COUNT, event === 0);
      const error = ok ? 0 : u.GetLastError();
      if (event !== 0) yield* u.ResetEvent(event);
      return { woke, ok, error };
    });
    const before = q.apc && wait && queued > 0 ? m.apcs.splice(0) : [];
    m.finish(q, q.status, q.information, true);
    const expected = !wait ? null : q.apc ? { woke: WAIT.IO_COMPLETION, ran: queued > 0 ? before : m.apcs.splice(0) } : { woke: WAIT.OBJECT_0, ...m.observe(q) };
    compare(m, r, got.waits);
    expect(got.value).toEqual(expected);
  }
  toString() {
    return `Fire(${this.pick}, ${this.wait ? 'wait' : 'no wait'})`;
  }
}

/** GetOverlappedResult on a finished request, then ResetEvent: a second signal would show later. */
class Observe implements Cmd {
  readonly pick: number;
  readonly wait: boolean;
  constructor(pick: number, wait: boolean) {
    this.pick = pick;
    this.wait = wait;
  }
  private target(m: Model) {
    const done = m.requests.filter((q) => q.state === 'done');
    return done[this.pick % Math.max(1, done.length)];
  }
  check(m: Model) {
    return this.target(m) !== undefined;
  }
  run(m: Model, r: Real) {
    const q = this.target(m)!;
    const base = r.base + q.id * SLOT;
    const event = r.events.get(q.id) ?? 0;
    const wait = this.wait;
    const got = perform(m, r, function* (u) {
      u.SetLastError(0);
      const ok = yield* u.GetOverlappedResult(r.handles[q.handle]!, base + OV, base + COUNT, wait);
      const error = u.GetLastError();
      if (event !== 0) yield* u.ResetEvent(event);
      return { ok, error };
    });
    const expected = m.observe(q);
    compare(m, r, got.waits);
    expect(got.value).toEqual(expected);
  }
  toString() {
    return `Observe(${this.pick}, ${this.wait ? 'wait' : 'no wait'})`;
  }
}

/**
 * The driver's timer DPC (on CPU 1) and CancelIoEx race for a held request (IO-6.3, IO-6.6):
 * whichever wins, the request completes exactly once — with the driver's answer, or with
 * STATUS_CANCELLED from the cancel routine — and what the caller sees is what the driver
 * set. CancelIoEx is TRUE when the request was still outstanding; a cancelled request means
 * it was.
 */
class Race implements Cmd {
  readonly pick: number;
  /** When the DPC fires, in 100-ns units after the fire: before, during or after CancelIoEx. */
  readonly delay: number;
  constructor(pick: number, delay: number) {
    this.pick = pick;
    this.delay = delay;
  }
  private target(m: Model) {
    const held = m.requests.filter((q) => q.state === 'held' && m.handles[q.handle]!.open);
    return held[this.pick % Math.max(1, held.length)];
  }
  check(m: Model) {
    return this.target(m) !== undefined;
  }
  run(m: Model, r: Real) {
    const q = this.target(m)!;
    const delay = this.delay;
    const got = perform(m, r, function* (u) {
      r.device.fire(q.id, delay);
      u.SetLastError(0);
      const ok = yield* u.CancelIoEx(r.handles[q.handle]!, r.base + q.id * SLOT + OV);
      const error = u.GetLastError();
      yield* u.Sleep(2);
      return { ok, error };
    });
    const completions = r.device.completions.get(r.device.irpOf.get(q.id)!) ?? [];
    expect(completions).toHaveLength(1);
    const { status, information } = completions[0]!;
    expect([q.status, STATUS.CANCELLED]).toContain(status);
    if (status === STATUS.CANCELLED) expect(got.value).toEqual({ ok: true, error: 0 });
    else expect([{ ok: true, error: 0 }, { ok: false, error: ERROR.NOT_FOUND }]).toContainEqual(got.value);
    m.finish(q, status, status === STATUS.CANCELLED ? 0 : q.information, true);
    expect(information).toBe(q.final!.information);
    compare(m, r, got.waits);
  }
  toString() {
    return `Race(${this.pick}, ${this.delay})`;
  }
}

/** SleepEx(0, TRUE): the completion APCs queued to the app thread run, oldest first (IO-7.12). */
class Alert implements Cmd {
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    const got = perform(m, r, function* (u) {
      return { result: yield* u.SleepEx(0, true), ran: r.ran.splice(0) };
    });
    const ran = m.apcs.splice(0);
    compare(m, r, got.waits);
    expect(got.value).toEqual({ result: ran.length > 0 ? WAIT.IO_COMPLETION : 0, ran });
  }
  toString() {
    return 'Alert';
  }
}

/** GetOverlappedResult without waiting on a held request: FALSE, ERROR_IO_INCOMPLETE (IO-7.11). */
class Poll implements Cmd {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  private target(m: Model) {
    const held = m.requests.filter((q) => q.state === 'held');
    return held[this.pick % Math.max(1, held.length)];
  }
  check(m: Model) {
    return this.target(m) !== undefined;
  }
  run(m: Model, r: Real) {
    const q = this.target(m)!;
    const base = r.base + q.id * SLOT;
    for (let i = 0; i < 4; i++) m.loose.add(q.id * SLOT + COUNT + i); // the count is not established (IO-7.11)
    const got = perform(m, r, function* (u) {
      const ok = yield* u.GetOverlappedResult(r.handles[q.handle]!, base + OV, base + COUNT, false);
      return { ok, error: u.GetLastError() };
    });
    compare(m, r, got.waits);
    expect(got.value).toEqual({ ok: false, error: ERROR.IO_INCOMPLETE });
  }
  toString() {
    return `Poll(${this.pick})`;
  }
}

/** CancelIoEx on a request's OVERLAPPED, or on its whole handle (IO-6.5, IO-6.2, IO-6.4). */
class Cancel implements Cmd {
  readonly pick: number;
  readonly all: boolean;
  constructor(pick: number, all: boolean) {
    this.pick = pick;
    this.all = all;
  }
  private target(m: Model) {
    const candidates = m.requests.filter((q) => m.handles[q.handle]!.open);
    return candidates[this.pick % Math.max(1, candidates.length)];
  }
  check(m: Model) {
    return this.target(m) !== undefined;
  }
  run(m: Model, r: Real) {
    const q = this.target(m)!;
    const matched = this.all ? m.held(q.handle) : q.state === 'held' ? [q] : [];
    const pointer = this.all ? 0 : r.base + q.id * SLOT + OV;
    const got = perform(m, r, function* (u) {
      u.SetLastError(0);
      const ok = yield* u.CancelIoEx(r.handles[q.handle]!, pointer);
      return { ok, error: u.GetLastError() };
    });
    // The cancel routine (or the CSQ's) completes each with STATUS_CANCELLED, Information 0 (IO-6.2).
    for (const c of matched) m.finish(c, STATUS.CANCELLED, 0, true);
    compare(m, r, got.waits);
    expect(got.value).toEqual(matched.length > 0 ? { ok: true, error: 0 } : { ok: false, error: ERROR.NOT_FOUND });
  }
  toString() {
    return `Cancel(${this.pick}, ${this.all ? 'all' : 'one'})`;
  }
}

/** CancelIo: the calling thread's requests on the handle are cancelled and waited for, not the other thread's; always TRUE (IO-6.5). */
class CancelAll implements Cmd {
  readonly pick: number;
  /** Called by the second user thread: only its own requests are cancelled. */
  readonly second: boolean;
  constructor(pick: number, second: boolean) {
    this.pick = pick;
    this.second = second;
  }
  check(m: Model) {
    return m.openHandles().length > 0;
  }
  run(m: Model, r: Real) {
    const open = m.openHandles();
    const h = open[this.pick % open.length]!;
    const thread = this.second ? 1 : 0;
    const matched = m.held(h).filter((q) => q.thread === thread);
    const got = perform(m, r, function* (u) {
      u.SetLastError(0);
      const ok = yield* u.CancelIo(r.handles[h]!);
      return { ok, error: u.GetLastError() };
    }, thread);
    for (const c of matched) m.finish(c, STATUS.CANCELLED, 0, true);
    compare(m, r, got.waits);
    expect(got.value).toEqual({ ok: true, error: 0 });
  }
  toString() {
    return `CancelIo(${this.pick}${this.second ? ', second thread' : ''})`;
  }
}

// ── generators ──────────────────────────────────────────────────────────────────

const STATUSES: NtStatus[] = [STATUS.SUCCESS, 0x40000001, STATUS.BUFFER_OVERFLOW, STATUS.INVALID_PARAMETER, STATUS.DEVICE_NOT_READY];

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('ioctl' as const), method: fc.integer({ min: 0, max: 3 }), inLength: fc.integer({ min: 0, max: 12 }), outLength: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant('read' as const), length: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant('write' as const), length: fc.integer({ min: 0, max: 12 }) }),
);

const reply: fc.Arbitrary<Reply> = fc.record({
  status: fc.constantFrom(...STATUSES),
  infoShare: fc.double({ min: 0, max: 1, noNaN: true }),
  later: fc.boolean(),
  pendMs: fc.integer({ min: 1, max: 3 }),
});

const shape: fc.Arbitrary<StackShape> = fc.record({
  buffering: fc.constantFrom('buffered' as const, 'direct' as const, 'neither' as const),
  queueing: fc.constantFrom('routine' as const, 'csq' as const),
  cleanup: fc.constantFrom('cancel-queued' as const, 'leave' as const),
  filters: fc.array(fc.constantFrom('skip' as const, 'routine' as const), { maxLength: 2 }),
});

const pick = fc.nat({ max: 15 });
const how: fc.Arbitrary<How> = fc.record({
  withEvent: fc.boolean(),
  worker: fc.nat({ max: 3 }).map((n) => n === 0),
  terminate: fc.boolean(),
  syncOverlapped: fc.boolean(),
  ex: fc.boolean(),
  second: fc.boolean(),
});
const request = fc.tuple(op, reply, pick, how).map(([o, rep, p, h]) => new Request(o, rep, p, h));
const commands = fc.commands(
  [
    fc.tuple(fc.boolean(), fc.boolean(), fc.nat({ max: 3 })).map(([o, p, modes]) => new Open(o, p, modes)),
    pick.map((p) => new Close(p)),
    request,
    request,
    request,
    fc.tuple(pick, fc.boolean()).map(([p, w]) => new Fire(p, w)),
    fc.tuple(pick, fc.boolean()).map(([p, w]) => new Fire(p, w)),
    fc.tuple(pick, fc.boolean()).map(([p, w]) => new Observe(p, w)),
    pick.map((p) => new Poll(p)),
    fc.tuple(pick, fc.boolean()).map(([p, a]) => new Cancel(p, a)),
    fc.tuple(pick, fc.boolean()).map(([p, second]) => new CancelAll(p, second)),
    fc.constant(new Dequeue()),
    fc.constant(new Alert()),
    fc.tuple(pick, fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 200 }))).map(([p, d]) => new Race(p, d)),
  ],
  { maxCommands: 30, size: 'max' },
);

/** First come, or a seeded random choice among the tasks ready at the same time (other interleavings, the same results). */
const schedule = fc.option(fc.nat(), { nil: null });

/** The handles open before the commands start (the commands open and close more). */
const initialHandles = fc.array(
  fc.tuple(fc.boolean(), fc.boolean(), fc.nat({ max: 3 })).map(([o, p, modes]) => new Open(o, p, modes)),
  { minLength: 1, maxLength: 2 },
);

describe('user operations against random correct stacks (model-based)', () => {
  it(
    'IO-3.1, IO-3.2, IO-3.4, IO-3.5, IO-3.6, IO-4.1, IO-4.2, IO-4.4, IO-5.10, IO-5.13, IO-6.2, IO-6.3, IO-6.4, IO-6.5, IO-6.6, IO-7.1, IO-7.2, IO-7.3, IO-7.4, IO-7.6, IO-7.7, IO-7.8, IO-7.9, IO-7.10, IO-7.11, IO-7.12, IO-7.16, IO-9.5: every IRP completes once, every caller wakes once with the status the driver set as Windows maps it, no byte outside the buffers changes, BUFFERED returns exactly Information bytes',
    () => {
      fc.assert(
        fc.property(shape, fc.constantFrom('current' as const, 'legacy' as const), schedule, initialHandles, commands, (s, windows, seed, opens, cmds) => {
          const device = new ModelDevice();
          const app = new SteppedApp(modelStack(s, device), { windows, strategy: seed === null ? firstCome() : seededRandom(seed), threads: 2 });
          const { base, space, port, outs } = app.exec(function* (u) {
            const base = u.scratch(ARENA);
            u.write(base, new Uint8Array(ARENA).fill(BEFORE));
            const port = yield* u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 0);
            return { base, space: u.thread.process.space, port, outs: u.scratch(12) };
          });
          const model = new Model(s, windows);
          const ran: Real['ran'] = [];
          const completion: FileIoCompletionRoutine = function* (_u, error, bytes, ov) {
            ran.push({ error, bytes, ov: ov - base });
          };
          const real: Real = { app, device, handles: [], events: new Map(), base, space, port, outs, completion, ran };
          for (const open of opens) open.run(model, real);
          fc.modelRun(() => ({ model, real }), cmds);
          // The app closes what is open and exits: IoCancelThreadIo cancels what is still held (IO-6.5). The
          // port's packets are not looked at any more.
          app.exec(function* (u) {
            for (const h of model.openHandles()) yield* u.CloseHandle(real.handles[h]!);
          });
          for (const h of model.openHandles()) closed(model, h);
          for (const q of model.requests) if (q.state === 'held') model.finish(q, STATUS.CANCELLED, 0, true);
          const result = app.end();
          expect(result.outcome).toBe('completed');
          expect(result.violations).toEqual([]);
          checkTrace(app, device, model, s);
        }),
        { numRuns: 100 },
      );
    },
  );
});

/** Every IRP completed once and finished once; each request with the status its driver set; one CREATE, CLEANUP, CLOSE per file object. */
function checkTrace(app: SteppedApp, device: ModelDevice, model: Model, s: StackShape): void {
  const events = app.machine.trace.events;
  const completions = new Map<number, number>();
  const finishes = new Map<number, NtStatus[]>();
  for (const e of events) {
    if (e.type === 'io.irp.complete') completions.set(e.irp, (completions.get(e.irp) ?? 0) + 1);
    if (e.type === 'io.irp.finish') finishes.set(e.irp, [...(finishes.get(e.irp) ?? []), e.status]);
  }
  expect([...completions.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  expect([...finishes.keys()].sort((a, b) => a - b)).toEqual([...completions.keys()].sort((a, b) => a - b));
  for (const q of model.requests) {
    const irp = device.irpOf.get(q.id)!;
    const set = device.completions.get(irp) ?? [];
    expect({ request: q.id, completions: set.map((c) => c.status) }).toEqual({ request: q.id, completions: [q.final!.status] });
    expect({ request: q.id, finished: finishes.get(irp) }).toEqual({ request: q.id, finished: [q.final!.status] });
  }
  for (const [file, majors] of device.lifecycle) expect({ file, majors }).toEqual({ file, majors: [IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE] });
  expect(device.lifecycle.size).toBe(model.handles.length);
  const irps = model.requests.length + 3 * model.handles.length;
  s.filters.forEach((kind, i) => expect(device.routineCalls[i] ?? 0).toBe(kind === 'routine' ? irps : 0));
}
