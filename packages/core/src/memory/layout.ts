/**
 * The simulated address layout: 32-bit, 4 KiB pages, the classic 2 GB / 2 GB split.
 * User space is 0x00010000–0x7FFEFFFF in every process; the kernel half from
 * 0x80000000 up is one space shared by all processes.
 */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
export const KERNEL_BASE = 0x80000000;
export const USER_MIN = 0x00010000;
export const USER_MAX = 0x7ffeffff;
/** Windows reserves user address space in 64 KiB units. */
export const ALLOCATION_GRANULARITY = 0x10000;
/** Nonpaged pool: the kernel heap drivers allocate from. */
export const POOL_BASE = 0x81000000;
export const POOL_LIMIT = 0x8f000000;
/** System space for mapping views and MDLs into the kernel half. */
export const SYSTEM_VIEW_BASE = 0x90000000;

/** Page protections (the PAGE_* values of winnt.h). */
export const PAGE = {
  NOACCESS: 0x01,
  READONLY: 0x02,
  READWRITE: 0x04,
} as const;

/** `address >>> 0 >= KERNEL_BASE`, i.e. bit 31 set: tested as a sign, with no double compare. */
export const isKernelAddress = (address: number): boolean => (address | 0) < 0;
export const pageOf = (address: number): number => (address >>> 0) >>> PAGE_SHIFT;
export const roundUpToPage = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
