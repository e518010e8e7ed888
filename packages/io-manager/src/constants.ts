/**
 * Constants of the WDK headers the I/O manager uses (io-semantics.md §1, C1–C8).
 */

/** Major function codes (C3 and the rest of the table). */
export const IRP_MJ = {
  CREATE: 0x00,
  CREATE_NAMED_PIPE: 0x01,
  CLOSE: 0x02,
  READ: 0x03,
  WRITE: 0x04,
  QUERY_INFORMATION: 0x05,
  SET_INFORMATION: 0x06,
  QUERY_EA: 0x07,
  SET_EA: 0x08,
  FLUSH_BUFFERS: 0x09,
  QUERY_VOLUME_INFORMATION: 0x0a,
  SET_VOLUME_INFORMATION: 0x0b,
  DIRECTORY_CONTROL: 0x0c,
  FILE_SYSTEM_CONTROL: 0x0d,
  DEVICE_CONTROL: 0x0e,
  INTERNAL_DEVICE_CONTROL: 0x0f,
  SHUTDOWN: 0x10,
  LOCK_CONTROL: 0x11,
  CLEANUP: 0x12,
  CREATE_MAILSLOT: 0x13,
  QUERY_SECURITY: 0x14,
  SET_SECURITY: 0x15,
  POWER: 0x16,
  SYSTEM_CONTROL: 0x17,
  DEVICE_CHANGE: 0x18,
  QUERY_QUOTA: 0x19,
  SET_QUOTA: 0x1a,
  PNP: 0x1b,
} as const;
export const IRP_MJ_MAXIMUM_FUNCTION = 0x1b;

const majorNames = new Map<number, string>(Object.entries(IRP_MJ).map(([k, v]) => [v, `IRP_MJ_${k}`]));
/** `IRP_MJ_DEVICE_CONTROL`. */
export function majorName(major: number): string {
  return majorNames.get(major) ?? `IRP_MJ_0x${major.toString(16)}`;
}

/** IOCTL transfer methods (C1 bits 0–1). */
export const METHOD = { BUFFERED: 0, IN_DIRECT: 1, OUT_DIRECT: 2, NEITHER: 3 } as const;
export const METHOD_NAMES = ['METHOD_BUFFERED', 'METHOD_IN_DIRECT', 'METHOD_OUT_DIRECT', 'METHOD_NEITHER'] as const;

/** IOCTL required access (C1 bits 14–15, C2). */
export const FILE_ACCESS = { ANY: 0, SPECIAL: 0, READ: 1, WRITE: 2 } as const;

/** File access rights (C2). */
export const FILE = {
  READ_DATA: 0x0001,
  WRITE_DATA: 0x0002,
  APPEND_DATA: 0x0004,
  READ_EA: 0x0008,
  WRITE_EA: 0x0010,
  EXECUTE: 0x0020,
  READ_ATTRIBUTES: 0x0080,
  WRITE_ATTRIBUTES: 0x0100,
  ALL_ACCESS: 0x001f01ff,
} as const;

/** FILE_GENERIC_READ / WRITE / EXECUTE (C2). */
export const FILE_GENERIC_READ = 0x00020000 | 0x0001 | 0x0080 | 0x0008 | 0x00100000;
export const FILE_GENERIC_WRITE = 0x00020000 | 0x0002 | 0x0004 | 0x0100 | 0x0010 | 0x00100000;
export const FILE_GENERIC_EXECUTE = 0x00020000 | 0x0080 | 0x0020 | 0x00100000;

/** NtCreateFile CreateOptions. */
export const FILE_OPTION = {
  SYNCHRONOUS_IO_ALERT: 0x00000010,
  SYNCHRONOUS_IO_NONALERT: 0x00000020,
  NON_DIRECTORY_FILE: 0x00000040,
} as const;

/** Create dispositions (C8). */
export const FILE_DISPOSITION = {
  SUPERSEDE: 0,
  OPEN: 1,
  CREATE: 2,
  OPEN_IF: 3,
  OVERWRITE: 4,
  OVERWRITE_IF: 5,
} as const;

/** Device object flags (C4). */
export const DO = {
  BUFFERED_IO: 0x00000004,
  EXCLUSIVE: 0x00000008,
  DIRECT_IO: 0x00000010,
  DEVICE_INITIALIZING: 0x00000080,
} as const;

/** Stack-location Control flags (C5). */
export const SL = {
  PENDING_RETURNED: 0x01,
  ERROR_RETURNED: 0x02,
  INVOKE_ON_CANCEL: 0x20,
  INVOKE_ON_SUCCESS: 0x40,
  INVOKE_ON_ERROR: 0x80,
} as const;

/** IRP Flags. */
export const IRP_FLAG = {
  NOCACHE: 0x00000001,
  PAGING_IO: 0x00000002,
  MOUNT_COMPLETION: 0x00000002,
  SYNCHRONOUS_API: 0x00000004,
  ASSOCIATED_IRP: 0x00000008,
  BUFFERED_IO: 0x00000010,
  DEALLOCATE_BUFFER: 0x00000020,
  INPUT_OPERATION: 0x00000040,
  SYNCHRONOUS_PAGING_IO: 0x00000040,
  CREATE_OPERATION: 0x00000080,
  READ_OPERATION: 0x00000100,
  WRITE_OPERATION: 0x00000200,
  CLOSE_OPERATION: 0x00000400,
  DEFER_IO_COMPLETION: 0x00000800,
} as const;

/** Priority boosts for IoCompleteRequest (C6). */
export const IO_PRIORITY = {
  IO_NO_INCREMENT: 0,
  IO_CD_ROM_INCREMENT: 1,
  IO_DISK_INCREMENT: 1,
  IO_PARALLEL_INCREMENT: 1,
  IO_VIDEO_INCREMENT: 1,
  IO_MAILSLOT_INCREMENT: 2,
  IO_NAMED_PIPE_INCREMENT: 2,
  IO_NETWORK_INCREMENT: 2,
  IO_SERIAL_INCREMENT: 2,
  IO_KEYBOARD_INCREMENT: 6,
  IO_MOUSE_INCREMENT: 6,
  IO_SOUND_INCREMENT: 8,
} as const;
export const IO_NO_INCREMENT = 0;

/** A few device types (FILE_DEVICE_*). */
export const FILE_DEVICE = {
  UNKNOWN: 0x22,
  DISK: 0x07,
  NAMED_PIPE: 0x11,
  NULL: 0x15,
  SERIAL_PORT: 0x1b,
  KEYBOARD: 0x0b,
} as const;

/** CTL_CODE (C1): (DeviceType << 16) | (Access << 14) | (Function << 2) | Method. */
export function CTL_CODE(deviceType: number, fn: number, method: number, access: number): number {
  return ((deviceType << 16) | (access << 14) | (fn << 2) | method) >>> 0;
}
export const DEVICE_TYPE_FROM_CTL_CODE = (code: number): number => ((code & 0xffff0000) >>> 16) >>> 0;
export const METHOD_FROM_CTL_CODE = (code: number): number => code & 3;
/** The access field as the I/O manager extracts it: (code >> 14) & 3. */
export const ACCESS_FROM_CTL_CODE = (code: number): number => (code >>> 14) & 3;
export const FUNCTION_FROM_CTL_CODE = (code: number): number => (code >>> 2) & 0xfff;
