import { STATUS, describeStatus, ntError, ntInformation, ntSuccess, ntWarning, statusName } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CTL_CODE, ERROR, FILE_ACCESS, METHOD, describeMapping, ntStatusToWin32, win32ErrorName } from '../src/index.ts';
import { open, overlappedFor, runApp, type Reply } from './__helpers__/scriptedDevice.ts';

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** io-semantics.md IO-8.3, every row: NTSTATUS value, class, Win32 error. */
const TABLE: readonly [name: string, value: number, cls: 'S' | 'W' | 'E', error: number][] = [
  ['STATUS_SUCCESS', 0x00000000, 'S', 0],
  ['STATUS_PENDING', 0x00000103, 'S', 997],
  ['STATUS_MORE_ENTRIES', 0x00000105, 'S', 234],
  ['STATUS_DATATYPE_MISALIGNMENT', 0x80000002, 'W', 998],
  ['STATUS_BUFFER_OVERFLOW', 0x80000005, 'W', 234],
  ['STATUS_DEVICE_BUSY', 0x80000011, 'W', 170],
  ['STATUS_NO_MORE_ENTRIES', 0x8000001a, 'W', 259],
  ['STATUS_UNSUCCESSFUL', 0xc0000001, 'E', 31],
  ['STATUS_NOT_IMPLEMENTED', 0xc0000002, 'E', 1],
  ['STATUS_INFO_LENGTH_MISMATCH', 0xc0000004, 'E', 24],
  ['STATUS_ACCESS_VIOLATION', 0xc0000005, 'E', 998],
  ['STATUS_INVALID_HANDLE', 0xc0000008, 'E', 6],
  ['STATUS_INVALID_PARAMETER', 0xc000000d, 'E', 87],
  ['STATUS_NO_SUCH_DEVICE', 0xc000000e, 'E', 2],
  ['STATUS_NO_SUCH_FILE', 0xc000000f, 'E', 2],
  ['STATUS_INVALID_DEVICE_REQUEST', 0xc0000010, 'E', 1],
  ['STATUS_END_OF_FILE', 0xc0000011, 'E', 38],
  ['STATUS_MORE_PROCESSING_REQUIRED', 0xc0000016, 'E', 234],
  ['STATUS_NO_MEMORY', 0xc0000017, 'E', 8],
  ['STATUS_ACCESS_DENIED', 0xc0000022, 'E', 5],
  ['STATUS_BUFFER_TOO_SMALL', 0xc0000023, 'E', 122],
  ['STATUS_OBJECT_TYPE_MISMATCH', 0xc0000024, 'E', 6],
  ['STATUS_OBJECT_NAME_INVALID', 0xc0000033, 'E', 123],
  ['STATUS_OBJECT_NAME_NOT_FOUND', 0xc0000034, 'E', 2],
  ['STATUS_OBJECT_NAME_COLLISION', 0xc0000035, 'E', 183],
  ['STATUS_OBJECT_PATH_NOT_FOUND', 0xc000003a, 'E', 3],
  ['STATUS_SHARING_VIOLATION', 0xc0000043, 'E', 32],
  ['STATUS_DELETE_PENDING', 0xc0000056, 'E', 5],
  ['STATUS_INSUFFICIENT_RESOURCES', 0xc000009a, 'E', 1450],
  ['STATUS_DEVICE_NOT_READY', 0xc00000a3, 'E', 21],
  ['STATUS_INVALID_PIPE_STATE', 0xc00000ad, 'E', 230],
  ['STATUS_PIPE_DISCONNECTED', 0xc00000b0, 'E', 233],
  ['STATUS_PIPE_CLOSING', 0xc00000b1, 'E', 232],
  ['STATUS_PIPE_CONNECTED', 0xc00000b2, 'E', 535],
  ['STATUS_PIPE_LISTENING', 0xc00000b3, 'E', 536],
  ['STATUS_IO_TIMEOUT', 0xc00000b5, 'E', 121],
  ['STATUS_NOT_SUPPORTED', 0xc00000bb, 'E', 50],
  ['STATUS_DEVICE_DOES_NOT_EXIST', 0xc00000c0, 'E', 55],
  ['STATUS_INVALID_USER_BUFFER', 0xc00000e8, 'E', 1784],
  ['STATUS_CANCELLED', 0xc0000120, 'E', 995],
  ['STATUS_PIPE_BROKEN', 0xc000014b, 'E', 109],
  ['STATUS_INVALID_DEVICE_STATE', 0xc0000184, 'E', 22],
  ['STATUS_IO_DEVICE_ERROR', 0xc0000185, 'E', 1117],
  ['STATUS_NOT_FOUND', 0xc0000225, 'E', 1168],
];

describe('NTSTATUS layout and predicates (IO-8.1, IO-8.2)', () => {
  it('IO-8.1 NT_SUCCESS(0x103) is true; 0x80000005 is a warning, neither a success nor an error', () => {
    expect(ntSuccess(0x103)).toBe(true);
    expect(ntSuccess(0x80000005)).toBe(false);
    expect(ntError(0x80000005)).toBe(false);
    expect(ntWarning(0x80000005)).toBe(true);
  });

  it('IO-8.1 the severity bits 31-30 decide the class at every boundary', () => {
    const cases: [number, boolean, boolean, boolean, boolean][] = [
      // value, success, information, warning, error
      [0x00000000, true, false, false, false],
      [0x3fffffff, true, false, false, false],
      [0x40000000, true, true, false, false],
      [0x7fffffff, true, true, false, false],
      [0x80000000, false, false, true, false],
      [0xbfffffff, false, false, true, false],
      [0xc0000000, false, false, false, true],
      [0xffffffff, false, false, false, true],
    ];
    for (const [value, success, information, warning, error] of cases) {
      expect([ntSuccess(value), ntInformation(value), ntWarning(value), ntError(value)]).toEqual([success, information, warning, error]);
    }
  });

  it('IO-8.1 every status of the mapping table has the class the table gives it', () => {
    for (const [name, value, cls] of TABLE) {
      expect(statusName(value), name).toBe(name);
      expect(ntSuccess(value) ? 'S' : ntWarning(value) ? 'W' : 'E', name).toBe(cls);
    }
  });

  it('IO-8.2 the Win32 BOOL follows NT_SUCCESS of the returned status while the count follows !NT_ERROR: a warning gives FALSE with the count', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.NO_MORE_ENTRIES, information: 2 }) }, function* (u) {
      const h = yield* open(u);
      const count = u.scratch(4);
      const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, count);
      return { ok, error: u.GetLastError(), count: u.readU32(count) };
    });
    expect(app).toEqual({ ok: false, error: ERROR.NO_MORE_ITEMS, count: 2 });
  });
});

describe('RtlNtStatusToDosError (IO-8.3)', () => {
  it('IO-8.3 every row of the mapping table', () => {
    for (const [name, value, , error] of TABLE) expect(ntStatusToWin32(value), name).toBe(error);
  });

  it('IO-8.3 a status without a mapping gives ERROR_MR_MID_NOT_FOUND (317)', () => {
    expect(ntStatusToWin32(0xc0dedead)).toBe(317);
    expect(ntStatusToWin32(0x8eadbeef)).toBe(317);
  });

  it('IO-8.3 GetLastError after a failing WriteFile equals the mapped value, for every warning and error of the table', () => {
    const failing = TABLE.filter(([, value]) => !ntSuccess(value));
    let i = 0;
    const { app, result } = runApp(
      { reply: (): Reply => ({ status: failing[i++]![1] }) },
      function* (u) {
        const h = yield* open(u);
        const errors: number[] = [];
        for (let n = 0; n < failing.length; n++) {
          const ok = yield* u.WriteFile(h, u.scratch(4), 4, u.scratch(4));
          errors.push(ok ? -1 : u.GetLastError());
        }
        return errors;
      },
      { verifier: 'off' },
    );
    expect(result.outcome).toBe('completed');
    expect(app).toEqual(failing.map(([, , , error]) => error));
  });

  it('IO-8.3 user-facing output names both sides of the mapping', () => {
    expect(describeMapping(STATUS.BUFFER_OVERFLOW, describeStatus)).toBe('STATUS_BUFFER_OVERFLOW (0x80000005) → ERROR_MORE_DATA (234)');
    expect(describeMapping(STATUS.INSUFFICIENT_RESOURCES, describeStatus)).toBe('STATUS_INSUFFICIENT_RESOURCES (0xC000009A) → ERROR_NO_SYSTEM_RESOURCES (1450)');
    expect(win32ErrorName(ERROR.NOACCESS)).toBe('ERROR_NOACCESS');
    const { events } = runApp({ reply: () => ({ status: STATUS.BUFFER_OVERFLOW, information: 1 }) }, function* (u) {
      const h = yield* open(u);
      return yield* u.ReadFile(h, u.scratch(8), 8, u.scratch(4));
    });
    const ret = events.find((e) => e.type === 'win32.return' && e.api === 'ReadFile');
    expect(ret).toMatchObject({ ok: false, status: STATUS.BUFFER_OVERFLOW, error: 234, errorName: 'ERROR_MORE_DATA' });
  });
});

describe('success statuses in Win32 BOOL APIs (IO-8.4) and STATUS_DELETE_PENDING (IO-8.5)', () => {
  it('IO-8.4 any NT_SUCCESS status gives TRUE and leaves LastError alone; an unassigned warning gives FALSE and 317', () => {
    for (const [status, ok, error] of [
      [0x0eadbeef, true, 0xdeadf00d],
      [0x00000102, true, 0xdeadf00d],
      [0x4eadbeef, true, 0xdeadf00d],
      [0x8eadbeef, false, 317],
    ] as const) {
      const { app } = runApp({ reply: () => ({ status, information: 3 }) }, function* (u) {
        const h = yield* open(u);
        const count = u.scratch(4);
        u.SetLastError(0xdeadf00d);
        const result = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, count);
        return { ok: result, error: u.GetLastError(), count: u.readU32(count) };
      }, { verifier: 'off' });
      expect(app, status.toString(16)).toEqual({ ok, error, count: 3 });
    }
  });

  it('IO-8.5 a pended overlapped read completed with STATUS_DELETE_PENDING: GetOverlappedResult FALSE, ERROR_ACCESS_DENIED (5)', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.DELETE_PENDING, pendMs: 3 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const ov = overlappedFor(u, 0, 0, yield* u.CreateEvent(true, false));
      yield* u.ReadFile(h, u.scratch(8), 8, 0, ov);
      const ok = yield* u.GetOverlappedResult(h, ov, u.scratch(4), true);
      return { ok, error: u.GetLastError() };
    });
    expect(app).toEqual({ ok: false, error: ERROR.ACCESS_DENIED });
  });
});
