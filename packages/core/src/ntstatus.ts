/**
 * NTSTATUS values as plain numbers (unsigned 32-bit), with their names and the
 * severity predicates of the Windows headers (io-semantics.md IO-8.1).
 */

export type NtStatus = number;

export const STATUS = {
  SUCCESS: 0x00000000,
  WAIT_0: 0x00000000,
  WAIT_1: 0x00000001,
  ABANDONED_WAIT_0: 0x00000080,
  USER_APC: 0x000000c0,
  ALERTED: 0x00000101,
  TIMEOUT: 0x00000102,
  PENDING: 0x00000103,
  MORE_ENTRIES: 0x00000105,
  OBJECT_NAME_EXISTS: 0x40000000,
  DATATYPE_MISALIGNMENT: 0x80000002,
  BUFFER_OVERFLOW: 0x80000005,
  DEVICE_BUSY: 0x80000011,
  NO_MORE_ENTRIES: 0x8000001a,
  UNSUCCESSFUL: 0xc0000001,
  NOT_IMPLEMENTED: 0xc0000002,
  INVALID_INFO_CLASS: 0xc0000003,
  INFO_LENGTH_MISMATCH: 0xc0000004,
  ACCESS_VIOLATION: 0xc0000005,
  INVALID_HANDLE: 0xc0000008,
  INVALID_PARAMETER: 0xc000000d,
  NO_SUCH_DEVICE: 0xc000000e,
  NO_SUCH_FILE: 0xc000000f,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  END_OF_FILE: 0xc0000011,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  NO_MEMORY: 0xc0000017,
  ACCESS_DENIED: 0xc0000022,
  BUFFER_TOO_SMALL: 0xc0000023,
  OBJECT_TYPE_MISMATCH: 0xc0000024,
  OBJECT_NAME_INVALID: 0xc0000033,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  OBJECT_PATH_INVALID: 0xc0000039,
  OBJECT_PATH_NOT_FOUND: 0xc000003a,
  SHARING_VIOLATION: 0xc0000043,
  SECTION_PROTECTION: 0xc000004e,
  INVALID_VIEW_SIZE: 0xc000001f,
  NOT_MAPPED_VIEW: 0xc0000019,
  MUTANT_NOT_OWNED: 0xc0000046,
  SEMAPHORE_LIMIT_EXCEEDED: 0xc0000047,
  DELETE_PENDING: 0xc0000056,
  INSUFFICIENT_RESOURCES: 0xc000009a,
  DEVICE_NOT_READY: 0xc00000a3,
  INVALID_PIPE_STATE: 0xc00000ad,
  PIPE_DISCONNECTED: 0xc00000b0,
  PIPE_CLOSING: 0xc00000b1,
  PIPE_CONNECTED: 0xc00000b2,
  PIPE_LISTENING: 0xc00000b3,
  IO_TIMEOUT: 0xc00000b5,
  NOT_SUPPORTED: 0xc00000bb,
  DEVICE_DOES_NOT_EXIST: 0xc00000c0,
  INVALID_USER_BUFFER: 0xc00000e8,
  CANCELLED: 0xc0000120,
  PIPE_BROKEN: 0xc000014b,
  INVALID_DEVICE_STATE: 0xc0000184,
  IO_DEVICE_ERROR: 0xc0000185,
  MAPPED_ALIGNMENT: 0xc0000220,
  NOT_FOUND: 0xc0000225,
  THREAD_IS_TERMINATING: 0xc000004b,
  PROCESS_IS_TERMINATING: 0xc000010a,
} as const;

const names = new Map<number, string>();
for (const [key, value] of Object.entries(STATUS)) {
  // WAIT_0 shares 0 with SUCCESS; keep the first (SUCCESS) as the display name.
  if (!names.has(value)) names.set(value, `STATUS_${key}`);
}

/** `STATUS_BUFFER_OVERFLOW`, or the hex value for a status without a name. */
export function statusName(status: NtStatus): string {
  return names.get(status >>> 0) ?? hex(status);
}

/** `STATUS_BUFFER_OVERFLOW (0x80000005)`. */
export function describeStatus(status: NtStatus): string {
  const name = names.get(status >>> 0);
  return name === undefined ? hex(status) : `${name} (${hex(status, 8)})`;
}

/** Looks a status up by its name, with or without the `STATUS_` prefix. */
export function statusByName(name: string): NtStatus | undefined {
  const key = name.startsWith('STATUS_') ? name.slice(7) : name;
  return (STATUS as Record<string, number>)[key];
}

/** Upper-case hex with a 0x prefix; `width` pads with zeros. */
export function hex(value: number, width = 0): string {
  return '0x' + (value >>> 0).toString(16).toUpperCase().padStart(width, '0');
}

/** IO-8.1: success when the status, read as a signed 32-bit value, is ≥ 0. */
export const ntSuccess = (s: NtStatus): boolean => (s | 0) >= 0;
export const ntInformation = (s: NtStatus): boolean => s >>> 30 === 1;
export const ntWarning = (s: NtStatus): boolean => s >>> 30 === 2;
export const ntError = (s: NtStatus): boolean => s >>> 30 === 3;
