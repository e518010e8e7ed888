import { EVENT_ACCESS, PAGE, STATUS, decodeUtf8, encodeUtf8, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { DO, ERROR, FILE_DISPOSITION, FILE_OPTION, IRP_MJ, WAIT, type DriverEntry, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { GENERIC_READ, GENERIC_WRITE, open, overlappedFor, runApp, scriptedDevice, type Reply, type Seen } from './__helpers__/scriptedDevice.ts';

const ok = (information = 0): Reply => ({ status: STATUS.SUCCESS, information });

/** NtReadFile / NtWriteFile called from user mode, as a program calling ntdll does. */
function* ntReadWrite(
  u: Win32,
  service: 'NtReadFile' | 'NtWriteFile',
  a: { handle: number; event?: number; iosb: number; buffer: number; length: number; byteOffset?: number; key?: number },
): Routine<NtStatus> {
  return yield* u._io.machine.systemCall(service, {
    handle: a.handle,
    event: a.event ?? 0,
    apcRoutine: 0,
    apcContext: 0,
    iosb: a.iosb,
    buffer: a.buffer,
    length: a.length,
    byteOffset: a.byteOffset ?? 0,
    key: a.key ?? 0,
  });
}

describe('ReadFile and WriteFile: how the buffer reaches the driver (io-semantics.md §4)', () => {
  it('IO-4.1 DO_BUFFERED_IO gives a system buffer, DO_DIRECT_IO an MDL, neither flag the raw user pointer', () => {
    const seenBy = (flags: number): Seen => {
      const { log, result } = runApp({ flags, reply: () => ok(0) }, function* (u) {
        const h = yield* open(u);
        const buffer = u.scratch(32);
        yield* u.ReadFile(h, buffer, 32, u.scratch(4));
        return buffer;
      });
      expect(result.outcome).toBe('completed');
      return log[0]!;
    };
    const buffered = seenBy(DO.BUFFERED_IO);
    expect(buffered.systemBuffer).not.toBe(0);
    expect(buffered.mdl).toBeNull();
    const direct = seenBy(DO.DIRECT_IO);
    expect(direct.systemBuffer).toBe(0);
    expect(direct.mdl).toMatchObject({ byteCount: 32 });
    const { log, app } = runApp({ reply: () => ok(0) }, function* (u) {
      const h = yield* open(u);
      const buffer = u.scratch(32);
      yield* u.ReadFile(h, buffer, 32, u.scratch(4));
      return buffer;
    });
    expect(log[0]!.systemBuffer).toBe(0);
    expect(log[0]!.mdl).toBeNull();
    expect(log[0]!.userBuffer).toBe(app);
  });

  it('IO-4.2 a buffered write copies the data in; a buffered read copies back exactly Information bytes; a zero-length read has no system buffer', () => {
    const { log, app, result } = runApp(
      { flags: DO.BUFFERED_IO, reply: (s) => (s.major === IRP_MJ.WRITE ? ok(5) : ok(3)) },
      function* (u) {
        const h = yield* open(u);
        const data = u.scratch(16);
        u.write(data, encodeUtf8('hello'));
        const written = u.scratch(4);
        const wrote = yield* u.WriteFile(h, data, 5, written);
        const into = u.scratch(16);
        u.write(into, new Uint8Array(10).fill(0xee));
        const read = u.scratch(4);
        const readOk = yield* u.ReadFile(h, into, 10, read);
        const empty = yield* u.ReadFile(h, into, 0, u.scratch(4));
        return { wrote, written: u.readU32(written), readOk, read: u.readU32(read), bytes: [...u.read(into, 10)], empty };
      },
    );
    expect(result.outcome).toBe('completed');
    expect(decodeUtf8(log[0]!.bytes)).toBe('hello');
    expect(log[0]!.length).toBe(5);
    expect(app).toMatchObject({ wrote: true, written: 5, readOk: true, read: 3, empty: true });
    // The driver never wrote into the system buffer: the first 3 bytes are whatever it held; the rest untouched.
    expect(app.bytes.slice(3)).toEqual(new Array(7).fill(0xee));
    expect(app.bytes.slice(0, 3)).not.toEqual([0xee, 0xee, 0xee]);
    expect(log[2]).toMatchObject({ major: IRP_MJ.READ, length: 0, systemBuffer: 0 });
  });

  it('IO-4.2 the bytes a buffered read returns are the driver\'s, Information of them', () => {
    const { app } = runApp({ flags: DO.BUFFERED_IO, reply: () => ({ status: STATUS.SUCCESS, information: 3, data: encodeUtf8('abcdef') }) }, function* (u) {
      const h = yield* open(u);
      const into = u.scratch(16);
      u.write(into, new Uint8Array(8).fill(0xee));
      yield* u.ReadFile(h, into, 8, u.scratch(4));
      return [...u.read(into, 8)];
    });
    expect(app).toEqual([0x61, 0x62, 0x63, 0xee, 0xee, 0xee, 0xee, 0xee]);
  });

  it('IO-4.3 a direct read probes the buffer for write, a direct write for read', () => {
    const { log, app } = runApp({ flags: DO.DIRECT_IO, reply: () => ok(0) }, function* (u) {
      const h = yield* open(u);
      const page = u.scratch(4096);
      yield* u.VirtualProtect(page, 4096, PAGE.READONLY);
      const readOk = yield* u.ReadFile(h, page, 16, u.scratch(4));
      const readError = u.GetLastError();
      const writeOk = yield* u.WriteFile(h, page, 16, u.scratch(4));
      return { readOk, readError, writeOk };
    });
    expect(app).toEqual({ readOk: false, readError: ERROR.NOACCESS, writeOk: true });
    expect(log.map((s) => s.major)).toEqual([IRP_MJ.WRITE]);
    expect(log[0]!.mdl).toMatchObject({ byteCount: 16 });
  });

  it('IO-4.3 a zero-length direct request has no MDL', () => {
    const { log } = runApp({ flags: DO.DIRECT_IO, reply: () => ok(0) }, function* (u) {
      const h = yield* open(u);
      return yield* u.ReadFile(h, u.scratch(16), 0, u.scratch(4));
    });
    expect(log[0]!.mdl).toBeNull();
  });
});

describe('ReadFile and WriteFile: parameters and offsets', () => {
  it('IO-4.4 Length, Key and the OVERLAPPED offset reach Parameters.Read; a fresh synchronous handle reads at 0', () => {
    const { log, result } = runApp({ reply: () => ok(0) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const ov = overlappedFor(u, 0x1000, 1, yield* u.CreateEvent(true, false));
      yield* u.ReadFile(h, u.scratch(64), 64, 0, ov);
      const s = yield* open(u);
      const iosb = u.scratch(8);
      const key = u.scratch(4);
      u.writeU32(key, 0x4b4559);
      yield* ntReadWrite(u, 'NtWriteFile', { handle: s, iosb, buffer: u.scratch(8), length: 8, key });
      yield* u.ReadFile(s, u.scratch(8), 8, u.scratch(4));
    });
    expect(result.outcome).toBe('completed');
    expect(log[0]).toMatchObject({ major: IRP_MJ.READ, length: 64, byteOffset: 0x1_0000_1000, key: 0 });
    expect(log[1]).toMatchObject({ major: IRP_MJ.WRITE, length: 8, byteOffset: 0, key: 0x4b4559 });
    expect(log[2]).toMatchObject({ major: IRP_MJ.READ, byteOffset: 0 });
  });

  it('IO-4.4 three threads reading one synchronous handle at three offsets: each IRP carries its own caller\'s offset', () => {
    const log: Seen[] = [];
    let handle = 0;
    const reader = (offset: number) =>
      function* (u: Win32) {
        if (offset === 0x10) handle = yield* open(u);
        else yield* u.Sleep(1); // the first thread holds the file-object lock by then
        return yield* u.ReadFile(handle, u.scratch(8), 8, u.scratch(4), overlappedFor(u, offset));
      };
    const { result, results } = boot({
      drivers: { Dev: scriptedDevice({ log, reply: () => ({ status: STATUS.SUCCESS, information: 8, pendMs: 5 }) }) },
      threads: [0x10, 0x20, 0x30].map((offset) => ({ name: `r${offset}`, process: 'app', body: reader(offset) })),
    });
    expect(result.outcome).toBe('completed');
    expect(Object.values(results)).toEqual([true, true, true]);
    expect(log.map((s) => s.byteOffset).sort()).toEqual([0x10, 0x20, 0x30]);
  });

  it('IO-4.5 an asynchronous handle without a ByteOffset is rejected with STATUS_INVALID_PARAMETER; so is a negative read offset other than -2', () => {
    const { log, app } = runApp({ reply: () => ok(0) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const iosb = u.scratch(8);
      const buffer = u.scratch(16);
      const noOffset = yield* ntReadWrite(u, 'NtReadFile', { handle: h, iosb, buffer, length: 16 });
      const offset = u.scratch(8);
      u.writeU32(offset, 0xfffffff0);
      u.writeU32(offset + 4, 0xffffffff);
      const negative = yield* ntReadWrite(u, 'NtReadFile', { handle: h, iosb, buffer, length: 16, byteOffset: offset });
      u.writeU32(offset, 0xffffffff); // -1: FILE_WRITE_TO_END_OF_FILE, fine for a write only
      const endRead = yield* ntReadWrite(u, 'NtReadFile', { handle: h, iosb, buffer, length: 16, byteOffset: offset });
      const endWrite = yield* ntReadWrite(u, 'NtWriteFile', { handle: h, iosb, buffer, length: 16, byteOffset: offset });
      return { noOffset, negative, endRead, endWrite };
    });
    expect(app).toEqual({ noOffset: STATUS.INVALID_PARAMETER, negative: STATUS.INVALID_PARAMETER, endRead: STATUS.INVALID_PARAMETER, endWrite: STATUS.SUCCESS });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ major: IRP_MJ.WRITE, byteOffset: -1 });
  });

  it('IO-4.5 a handle that may only append writes at FILE_WRITE_TO_END_OF_FILE', () => {
    const FILE_APPEND_DATA = 0x4;
    const { log } = runApp({ reply: () => ok(0) }, function* (u) {
      const h = yield* open(u, { access: FILE_APPEND_DATA });
      return yield* u.WriteFile(h, u.scratch(4), 4, u.scratch(4));
    });
    expect(log[0]).toMatchObject({ major: IRP_MJ.WRITE, byteOffset: -1 });
  });

  it('IO-4.7 two synchronous reads of a driver that ignores CurrentByteOffset both carry ByteOffset 0', () => {
    const { log } = runApp({ reply: () => ok(4) }, function* (u) {
      const h = yield* open(u);
      const buffer = u.scratch(4);
      yield* u.ReadFile(h, buffer, 4, u.scratch(4));
      yield* u.ReadFile(h, buffer, 4, u.scratch(4));
    });
    expect(log.map((s) => s.byteOffset)).toEqual([0, 0]);
  });
});

describe('ReadFile and WriteFile: the access check and the probes', () => {
  it('IO-4.6 a handle opened with GENERIC_WRITE only cannot read (5), one with GENERIC_READ only cannot write; the driver is not called', () => {
    const { log, app } = runApp({ reply: () => ok(0) }, function* (u) {
      const w = yield* open(u, { access: GENERIC_WRITE });
      const read = yield* u.ReadFile(w, u.scratch(4), 4, u.scratch(4));
      const readError = u.GetLastError();
      const r = yield* open(u, { access: GENERIC_READ });
      const write = yield* u.WriteFile(r, u.scratch(4), 4, u.scratch(4));
      const writeError = u.GetLastError();
      return { read, readError, write, writeError };
    });
    expect(app).toEqual({ read: false, readError: ERROR.ACCESS_DENIED, write: false, writeError: ERROR.ACCESS_DENIED });
    expect(log).toHaveLength(0);
  });

  it('IO-4.6, IO-10.1 a kernel-mode caller (ZwReadFile) skips the access check and the probes: a handle without FILE_READ_DATA reads into pool', () => {
    const log: Seen[] = [];
    const seen: { status?: number; iosb?: number[] } = {};
    const caller: DriverEntry = function* (k) {
      const m = k._machine;
      const block = k.ExAllocatePool(64);
      const status = yield* m.zwCall('NtCreateFile', {
        handleOut: block,
        desiredAccess: 0x00100000, // SYNCHRONIZE only
        name: '\\Device\\Dev',
        iosb: block + 8,
        shareAccess: 0,
        disposition: FILE_DISPOSITION.OPEN,
        options: FILE_OPTION.SYNCHRONOUS_IO_NONALERT,
      });
      expect(status).toBe(STATUS.SUCCESS);
      const handle = m.memory.readU32(m.system.space, block, 'kernel');
      seen.status = yield* m.zwCall('NtReadFile', { handle, event: 0, apcRoutine: 0, apcContext: 0, iosb: block + 16, buffer: block + 32, length: 8, byteOffset: 0, key: 0 });
      seen.iosb = [m.memory.readU32(m.system.space, block + 16, 'kernel'), m.memory.readU32(m.system.space, block + 20, 'kernel')];
      return STATUS.SUCCESS;
    };
    const { result } = boot({ drivers: { Dev: scriptedDevice({ flags: DO.BUFFERED_IO, log, reply: () => ok(8) }), Caller: caller }, threads: [] });
    expect(result.outcome).toBe('completed');
    expect(seen).toEqual({ status: STATUS.SUCCESS, iosb: [STATUS.SUCCESS, 8] });
    expect(log[0]).toMatchObject({ major: IRP_MJ.READ, length: 8, requestorMode: 'KernelMode' });
  });

  it('IO-4.6 NtReadFile with a pre-signalled event and a NULL buffer: STATUS_ACCESS_VIOLATION, IOSB untouched, event still signalled, driver not called', () => {
    const { log, app } = runApp({ reply: () => ok(0) }, function* (u) {
      const h = yield* open(u);
      const event = yield* u.CreateEvent(true, true);
      const iosb = u.scratch(8);
      u.writeU32(iosb, 0xdeadbeef);
      u.writeU32(iosb + 4, 0xdeadbeef);
      const status = yield* ntReadWrite(u, 'NtReadFile', { handle: h, event, iosb, buffer: 0, length: 16 });
      const wait = yield* u.WaitForSingleObject(event, 0);
      return { status, iosb: [u.readU32(iosb), u.readU32(iosb + 4)], wait };
    });
    expect(app).toEqual({ status: STATUS.ACCESS_VIOLATION, iosb: [0xdeadbeef, 0xdeadbeef], wait: WAIT.OBJECT_0 });
    expect(log).toHaveLength(0);
  });

  it('IO-4.6 the handle check comes before the probe for reads: no access and a bad buffer give 5, not 998', () => {
    const { app } = runApp({ reply: () => ok(0) }, function* (u) {
      const w = yield* open(u, { access: GENERIC_WRITE });
      const read = yield* u.ReadFile(w, 0, 16, u.scratch(4));
      return { read, error: u.GetLastError() };
    });
    expect(app).toEqual({ read: false, error: ERROR.ACCESS_DENIED });
  });

  it('IO-4.6 an event handle without EVENT_MODIFY_STATE is refused before any IRP', () => {
    const { log, app } = runApp({ reply: () => ok(0) }, function* (u) {
      const h = yield* open(u);
      yield* u.CreateEvent(true, false, 'ro');
      const readOnly = yield* u.OpenEvent(EVENT_ACCESS.QUERY_STATE, 'ro');
      return yield* ntReadWrite(u, 'NtReadFile', { handle: h, event: readOnly, iosb: u.scratch(8), buffer: u.scratch(4), length: 4 });
    });
    expect(app).toBe(STATUS.ACCESS_DENIED);
    expect(log).toHaveLength(0);
  });
});

describe('ReadFile and WriteFile: what the caller sees (IO-4.8)', () => {
  it('IO-4.8 STATUS_END_OF_FILE on a synchronous ReadFile without an OVERLAPPED is TRUE with 0 bytes; with an OVERLAPPED it is FALSE, ERROR_HANDLE_EOF', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.END_OF_FILE }) }, function* (u) {
      const h = yield* open(u);
      const count = u.scratch(4);
      u.writeU32(count, 77);
      const plain = yield* u.ReadFile(h, u.scratch(8), 8, count);
      const plainCount = u.readU32(count);
      const ov = overlappedFor(u);
      const withOv = yield* u.ReadFile(h, u.scratch(8), 8, count, ov);
      return { plain, plainCount, withOv, error: u.GetLastError(), count: u.readU32(count) };
    });
    expect(app).toEqual({ plain: true, plainCount: 0, withOv: false, error: ERROR.HANDLE_EOF, count: 0 });
  });

  it('IO-4.8 a synchronous 10-byte read completed with STATUS_BUFFER_OVERFLOW, Information 1: FALSE/234 with count 1; with an OVERLAPPED count 0 and the OVERLAPPED holds the result', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.BUFFER_OVERFLOW, information: 1 }) }, function* (u) {
      const h = yield* open(u);
      const count = u.scratch(4);
      const plain = yield* u.ReadFile(h, u.scratch(16), 10, count);
      const plainResult = { ok: plain, error: u.GetLastError(), count: u.readU32(count) };
      const ov = overlappedFor(u);
      const withOv = yield* u.ReadFile(h, u.scratch(16), 10, count, ov);
      return { plainResult, withOv: { ok: withOv, error: u.GetLastError(), count: u.readU32(count), internal: u.readU32(ov), high: u.readU32(ov + 4) } };
    });
    expect(app.plainResult).toEqual({ ok: false, error: ERROR.MORE_DATA, count: 1 });
    expect(app.withOv).toEqual({ ok: false, error: ERROR.MORE_DATA, count: 0, internal: STATUS.BUFFER_OVERFLOW, high: 1 });
  });

  it('IO-4.8 an error gives FALSE with the mapped error and the count zeroed on entry; a success TRUE with Information', () => {
    let n = 0;
    const { app } = runApp({ reply: () => (n++ === 0 ? { status: STATUS.INVALID_DEVICE_REQUEST, information: 5 } : ok(6)) }, function* (u) {
      const h = yield* open(u);
      const count = u.scratch(4);
      u.writeU32(count, 0xdeadf00d);
      const failed = yield* u.WriteFile(h, u.scratch(8), 8, count);
      const failure = { ok: failed, error: u.GetLastError(), count: u.readU32(count) };
      u.SetLastError(1234);
      const wrote = yield* u.WriteFile(h, u.scratch(8), 8, count);
      return { failure, success: { ok: wrote, error: u.GetLastError(), count: u.readU32(count) } };
    });
    expect(app.failure).toEqual({ ok: false, error: ERROR.INVALID_FUNCTION, count: 0 });
    expect(app.success).toEqual({ ok: true, error: 1234, count: 6 });
  });

  it('IO-4.8 an overlapped handle returns FALSE/ERROR_IO_PENDING for a pended read and TRUE with InternalHigh for an immediate success', () => {
    let n = 0;
    const { app } = runApp({ reply: () => (n++ === 0 ? { status: STATUS.SUCCESS, information: 4, pendMs: 5 } : ok(2)) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const count = u.scratch(4);
      const ov = overlappedFor(u, 0, 0, yield* u.CreateEvent(true, false));
      const pended = yield* u.ReadFile(h, u.scratch(8), 8, count, ov);
      const pendedError = u.GetLastError();
      const ov2 = overlappedFor(u, 0, 0, yield* u.CreateEvent(true, false));
      const immediate = yield* u.ReadFile(h, u.scratch(8), 8, count, ov2);
      return { pended, pendedError, immediate, count: u.readU32(count) };
    });
    expect(app).toEqual({ pended: false, pendedError: ERROR.IO_PENDING, immediate: true, count: 2 });
  });
});
