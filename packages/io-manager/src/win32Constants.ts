/** Win32 wait results and constants (winbase.h). */
export const WAIT = {
  OBJECT_0: 0x00000000,
  ABANDONED_0: 0x00000080,
  IO_COMPLETION: 0x000000c0,
  TIMEOUT: 0x00000102,
  FAILED: 0xffffffff,
} as const;

export const INFINITE = 0xffffffff;

/** Milliseconds (INFINITE = none) → the nanosecond timeout the services take. */
export function msToNs(ms: number): number | null {
  return ms >>> 0 === INFINITE ? null : (ms >>> 0) * 1_000_000;
}

/** Win32 object names live in \BaseNamedObjects; `Global\` and `Local\` name the same place here. */
export function toObjectName(name: string | null): string | null {
  if (name === null) return null;
  const bare = name.replace(/^(Global|Local)\\/, '');
  return `\\BaseNamedObjects\\${bare}`;
}

/** MapViewOfFile / OpenFileMapping access (winbase.h). */
export const FILE_MAP = { COPY: 0x0001, WRITE: 0x0002, READ: 0x0004, ALL_ACCESS: 0x000f001f } as const;
