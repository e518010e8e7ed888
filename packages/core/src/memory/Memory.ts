import { STATUS } from '../ntstatus.ts';
import { SimException } from '../SimException.ts';
import { AddressSpace, type Region } from './AddressSpace.ts';
import {
  ALLOCATION_GRANULARITY,
  PAGE,
  PAGE_SHIFT,
  PAGE_SIZE,
  POOL_BASE,
  POOL_LIMIT,
  SYSTEM_VIEW_BASE,
  isKernelAddress,
} from './layout.ts';
import { PageTable, type Pte } from './PageTable.ts';
import type { Section } from './Section.ts';
import type { View } from './views.ts';
import { PhysicalMemory } from './PhysicalMemory.ts';

export type AccessMode = 'user' | 'kernel';

/** `Memory.transfer` directions; any other value is the byte a fill writes. */
const COPY_OUT = -1;
const COPY_IN = -2;

/**
 * Raised for a kernel-mode access to an invalid *kernel* address: Windows cannot catch
 * that (bug check 0x50), so the machine turns it into a bug check instead of an exception.
 */
export type KernelFaultHandler = (address: number, write: boolean) => never;

/**
 * The memory manager: page frames, page tables, user allocations, the kernel pool, and
 * every byte access with its checks. An invalid access throws a SimException (user mode,
 * or kernel mode touching a user address) or calls the kernel-fault handler.
 */
export class Memory {
  readonly physical = new PhysicalMemory();
  /** The kernel half, shared by every address space. */
  readonly kernel = new PageTable();
  onKernelFault: KernelFaultHandler = (address) => {
    throw new SimException(STATUS.ACCESS_VIOLATION, address, false, 'kernel');
  };
  /**
   * Installed by the machine: called for a kernel-mode access to pageable (user) memory;
   * it raises 0xD1 when the running code is at DISPATCH_LEVEL or above.
   */
  pageableAtRaisedIrql: ((address: number, write: boolean) => void) | null = null;
  /** Section views mapped in system space, by base address. */
  readonly views = new Map<number, View>();
  /** Told when a section page gets its frame on first touch (for the trace). */
  onSectionTouch: ((section: Section, page: number, frame: number) => void) | null = null;
  private nextSpace = 1;
  private poolNext = POOL_BASE;
  private systemNext = SYSTEM_VIEW_BASE;
  private readonly poolSizes = new Map<number, number>();
  private readonly poolFree = new Map<number, number[]>();

  createAddressSpace(): AddressSpace {
    return new AddressSpace(this.nextSpace++, this.kernel);
  }

  /** VirtualAlloc(MEM_RESERVE | MEM_COMMIT): demand-zero pages, or null when out of space. */
  allocateUser(space: AddressSpace, size: number, protect: number = PAGE.READWRITE, label = 'heap'): number | null {
    if (size <= 0) return null;
    const base = space.reserve(size);
    if (base === null) return null;
    const bytes = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    for (let p = base >>> PAGE_SHIFT; p < (base + bytes) >>> PAGE_SHIFT; p++) {
      space.user.set(p, { frame: -1, protect, section: null, sectionPage: 0 });
    }
    space.regions.set(base, { base, size: bytes, label });
    return base;
  }

  /** Maps existing frames (a locked buffer's, described by an MDL) at `base`. */
  mapFrames(table: PageTable, base: number, frames: readonly number[], protect: number): void {
    frames.forEach((frame, i) => {
      this.physical.addRef(frame);
      table.set((base >>> PAGE_SHIFT) + i, { frame, protect, section: null, sectionPage: 0 });
    });
  }

  /** Maps pages [first, first + count) of a section at `base`: a view. */
  mapSection(table: PageTable, base: number, section: Section, first: number, count: number, protect: number): void {
    for (let i = 0; i < count; i++) {
      const page = first + i;
      const frame = section.frames[page]!;
      if (frame >= 0) this.physical.addRef(frame);
      table.set((base >>> PAGE_SHIFT) + i, { frame, protect, section, sectionPage: page });
    }
  }

  /** Finds `pages` free pages of system space for a view or an MDL mapping. */
  reserveSystem(pages: number): number {
    const base = this.systemNext;
    this.systemNext += Math.ceil((pages * PAGE_SIZE) / ALLOCATION_GRANULARITY) * ALLOCATION_GRANULARITY;
    return base;
  }

  /** Removes a user region (VirtualFree / UnmapViewOfFile). */
  freeUser(space: AddressSpace, base: number): Region | undefined {
    const region = space.regions.get(base);
    if (region === undefined) return undefined;
    this.unmapRange(space.user, region.base, region.size);
    space.regions.delete(base);
    return region;
  }

  /** Unmaps pages, releasing their frames. */
  unmapRange(table: PageTable, base: number, size: number): void {
    for (let p = base >>> PAGE_SHIFT; p < (base + size) >>> PAGE_SHIFT; p++) {
      const pte = table.get(p);
      if (pte === undefined) continue;
      if (pte.frame >= 0) this.physical.release(pte.frame);
      table.delete(p);
    }
  }

  /** The protection of the page holding `address`, or null when it is not mapped. */
  protectionOf(space: AddressSpace, address: number): number | null {
    const pte = (isKernelAddress(address) ? this.kernel : space.user).get(address >>> PAGE_SHIFT);
    return pte === undefined ? null : pte.protect;
  }

  /** Changes the protection of the pages covering [address, address + size). */
  protect(space: AddressSpace, address: number, size: number, protect: number): boolean {
    const first = address >>> PAGE_SHIFT;
    const last = (address + Math.max(size, 1) - 1) >>> PAGE_SHIFT;
    for (let p = first; p <= last; p++) if (!space.user.has(p)) return false;
    for (let p = first; p <= last; p++) space.user.get(p)!.protect = protect;
    return true;
  }

  /**
   * Allocates nonpaged pool. Blocks are 16-byte aligned and packed next to each other in
   * allocation order, so reading past the end of one block shows its neighbour — what a
   * kernel memory disclosure looks like. A freed block is reused, contents and all.
   */
  allocatePool(size: number): number | null {
    const rounded = Math.max(16, Math.ceil(size / 16) * 16);
    const reuse = this.poolFree.get(rounded)?.pop();
    if (reuse !== undefined) {
      this.poolSizes.set(reuse, rounded);
      return reuse;
    }
    let base = this.poolNext;
    // Blocks of a page or more start on a page boundary; small ones never straddle one.
    if (rounded >= PAGE_SIZE || (base % PAGE_SIZE) + rounded > PAGE_SIZE) {
      base = Math.ceil(base / PAGE_SIZE) * PAGE_SIZE;
    }
    if (base + rounded > POOL_LIMIT) return null;
    for (let p = base >>> PAGE_SHIFT; p <= (base + rounded - 1) >>> PAGE_SHIFT; p++) {
      if (!this.kernel.has(p)) this.kernel.set(p, { frame: this.physical.allocate(), protect: PAGE.READWRITE, section: null, sectionPage: 0 });
    }
    this.poolNext = base + rounded;
    this.poolSizes.set(base, rounded);
    return base;
  }

  /** Frees pool; false for an address that is not an allocated block. */
  freePool(address: number): boolean {
    const size = this.poolSizes.get(address);
    if (size === undefined) return false;
    this.poolSizes.delete(address);
    let list = this.poolFree.get(size);
    if (list === undefined) this.poolFree.set(size, (list = []));
    list.push(address);
    return true;
  }

  /** Size of the pool block at `address`, if it is one. */
  poolSize(address: number): number | undefined {
    return this.poolSizes.get(address);
  }

  /**
   * Checks that [address, address + length) may be accessed in `mode`, as a probe does,
   * without touching the bytes. Throws like a real access would.
   */
  check(space: AddressSpace, address: number, length: number, write: boolean, mode: AccessMode): void {
    if (length <= 0) return;
    // PAGE_SHIFT as a literal (see `pte`): a probe runs on the path of every request.
    // The first page by the address itself (its fault names it), then each further page by its start.
    this.pte(space, address, write, mode);
    const last = (address + length - 1) >>> 12;
    for (let p = (address >>> 12) + 1; p <= last; p++) this.pte(space, p << 12, write, mode);
  }

  read(space: AddressSpace, address: number, length: number, mode: AccessMode): Uint8Array {
    const out = new Uint8Array(length);
    this.transfer(space, address, length, false, mode, out, COPY_OUT);
    return out;
  }

  write(space: AddressSpace, address: number, data: Uint8Array, mode: AccessMode): void {
    this.transfer(space, address, data.length, true, mode, data, COPY_IN);
  }

  fill(space: AddressSpace, address: number, length: number, value: number, mode: AccessMode): void {
    this.transfer(space, address, length, true, mode, null, value);
  }

  /**
   * A 32-bit little-endian read. Within one page (the usual case: an IO_STATUS_BLOCK, a
   * count) it reads the frame directly (its DataView), with the same check and the same
   * exception a `read` of 4 bytes would raise, and allocates nothing.
   */
  readU32(space: AddressSpace, address: number, mode: AccessMode): number {
    // Literals (PAGE_SIZE - 1, PAGE_SIZE - 4): see `pte`.
    const offset = address & 0xfff;
    if (offset > 0xffc) {
      const b = this.read(space, address, 4, mode);
      return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    }
    return this.physical.words(this.backing(this.pte(space, address, false, mode))).getUint32(offset, true);
  }

  /** A 32-bit little-endian write; within one page it writes the frame directly (see `readU32`). */
  writeU32(space: AddressSpace, address: number, value: number, mode: AccessMode): void {
    const v = value >>> 0;
    // Literals (PAGE_SIZE - 1, PAGE_SIZE - 4): see `pte`.
    const offset = address & 0xfff;
    if (offset > 0xffc) {
      this.write(space, address, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24), mode);
      return;
    }
    this.physical.words(this.backing(this.pte(space, address, true, mode))).setUint32(offset, v, true);
  }

  /**
   * Two 32-bit words at `address` and `address + 4` (an IO_STATUS_BLOCK's Status and
   * Information), as `writeU32(first)` then `writeU32(second)` would write them: within one
   * page they share one page lookup and one check, since both calls would find the same
   * page and fail or pass alike; across a page boundary they are exactly those two calls.
   */
  writeU32Pair(space: AddressSpace, address: number, first: number, second: number, mode: AccessMode): void {
    // Literals (PAGE_SIZE - 1, PAGE_SIZE - 8): see `pte`.
    const offset = address & 0xfff;
    if (offset > 0xff8) {
      this.writeU32(space, address, first, mode);
      this.writeU32(space, address + 4, second, mode);
      return;
    }
    const words = this.physical.words(this.backing(this.pte(space, address, true, mode)));
    words.setUint32(offset, first >>> 0, true);
    words.setUint32(offset + 4, second >>> 0, true);
  }

  /** The frame backing `address` (allocating a demand-zero page), for narration. */
  frameOf(space: AddressSpace, address: number): number | null {
    const table = isKernelAddress(address) ? this.kernel : space.user;
    const pte = table.get(address >>> PAGE_SHIFT);
    if (pte === undefined) return null;
    return this.backing(pte);
  }

  /** True when the user range is mapped and accessible (no exception would occur). */
  isAccessible(space: AddressSpace, address: number, length: number, write: boolean, mode: AccessMode): boolean {
    try {
      this.check(space, address, length, write, mode);
      return true;
    } catch (error) {
      if (SimException.is(error)) return false;
      throw error;
    }
  }

  /**
   * Moves bytes between the pages of [address, address + length) and `data`, page by page:
   * COPY_OUT reads into `data`, COPY_IN writes from it, any other `how` (a byte value, with
   * `data` null) fills. Every page is checked first, so a faulting access changes nothing.
   * A plain loop with the direction as a number: no callback per call.
   */
  private transfer(space: AddressSpace, address: number, length: number, write: boolean, mode: AccessMode, data: Uint8Array | null, how: number): void {
    this.check(space, address, length, write, mode);
    let done = 0;
    while (done < length) {
      const at = (address + done) >>> 0;
      const offset = at & (PAGE_SIZE - 1);
      const n = Math.min(PAGE_SIZE - offset, length - done);
      const bytes = this.physical.bytes(this.backing(this.pte(space, at, write, mode)));
      if (how === COPY_OUT) data!.set(bytes.subarray(offset, offset + n), done);
      else if (how === COPY_IN) bytes.set(data!.subarray(done, done + n), offset);
      else bytes.fill(how, offset, offset + n);
      done += n;
    }
  }

  /** The frame behind a PTE, giving a first-touched page its frame (the section's, when it is a view). */
  private backing(pte: Pte): number {
    // The first touch apart: this stays small enough for V8 to inline into every word access.
    const frame = pte.frame;
    return frame >= 0 ? frame : this.firstTouch(pte);
  }

  /** A page's first touch: its frame from its section, or a fresh demand-zero frame. */
  private firstTouch(pte: Pte): number {
    if (pte.section !== null) {
      const { frame, fresh } = pte.section.frameFor(pte.sectionPage);
      pte.frame = frame;
      this.physical.addRef(frame);
      if (fresh) this.onSectionTouch?.(pte.section, pte.sectionPage, frame);
    } else {
      pte.frame = this.physical.allocate();
    }
    return pte.frame;
  }

  /**
   * The layout's constants are literals here and in the word accesses, on the path of every
   * request: V8 does not fold a module's constants into the code using them, so each use
   * was a context load and a type check, and USER_MAX (above the small-integer range) a
   * double compare.
   */
  private pte(space: AddressSpace, address: number, write: boolean, mode: AccessMode): Pte {
    let table: PageTable;
    if ((address | 0) < 0 /* isKernelAddress */) {
      if (mode === 'user') return this.denied(address, write, mode);
      table = this.kernel;
    } else {
      // Below KERNEL_BASE, `address >>> 0` is `address | 0`: an integer compare.
      if ((address | 0) > 0x7ffeffff /* USER_MAX */) return this.denied(address, write, mode);
      // User memory is pageable: touching it at DISPATCH_LEVEL or above is fatal, valid or not.
      if (mode === 'kernel' && this.pageableAtRaisedIrql !== null) this.pageableAtRaisedIrql(address, write);
      table = space.user;
    }
    const pte = table.get(address >>> 12 /* PAGE_SHIFT */);
    if (pte === undefined || pte.protect === 0x01 /* PAGE.NOACCESS */ || (write && pte.protect === 0x02 /* PAGE.READONLY */)) return this.denied(address, write, mode);
    return pte;
  }

  /**
   * An access `pte` refuses: a bug check for kernel mode on a kernel address, else an access
   * violation (a user-mode access to a kernel address, or to one above USER_MAX, among them).
   * Out of line: its messages and the bug check stay out of `pte`, which every access runs.
   */
  private denied(address: number, write: boolean, mode: AccessMode): never {
    if ((address | 0) < 0 && mode === 'kernel') this.onKernelFault(address, write);
    throw new SimException(STATUS.ACCESS_VIOLATION, address, write, mode);
  }
}

