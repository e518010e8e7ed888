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
  USER_MAX,
  isKernelAddress,
} from './layout.ts';
import type { PageTable, Pte } from './PageTable.ts';
import type { Section } from './Section.ts';
import type { View } from './views.ts';
import { PhysicalMemory } from './PhysicalMemory.ts';

export type AccessMode = 'user' | 'kernel';

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
  readonly kernel: PageTable = new Map();
  onKernelFault: KernelFaultHandler = (address) => {
    throw new SimException(STATUS.ACCESS_VIOLATION, address, false, 'kernel');
  };
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
    const first = address >>> PAGE_SHIFT;
    const last = (address + length - 1) >>> PAGE_SHIFT;
    for (let p = first; p <= last; p++) this.pte(space, p === first ? address : p << PAGE_SHIFT, write, mode);
  }

  read(space: AddressSpace, address: number, length: number, mode: AccessMode): Uint8Array {
    const out = new Uint8Array(length);
    this.copy(space, address, length, false, mode, (bytes, offset, done, n) => {
      out.set(bytes.subarray(offset, offset + n), done);
    });
    return out;
  }

  write(space: AddressSpace, address: number, data: Uint8Array, mode: AccessMode): void {
    this.copy(space, address, data.length, true, mode, (bytes, offset, done, n) => {
      bytes.set(data.subarray(done, done + n), offset);
    });
  }

  fill(space: AddressSpace, address: number, length: number, value: number, mode: AccessMode): void {
    this.copy(space, address, length, true, mode, (bytes, offset, _done, n) => {
      bytes.fill(value, offset, offset + n);
    });
  }

  readU32(space: AddressSpace, address: number, mode: AccessMode): number {
    const b = this.read(space, address, 4, mode);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  writeU32(space: AddressSpace, address: number, value: number, mode: AccessMode): void {
    const v = value >>> 0;
    this.write(space, address, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24), mode);
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

  private copy(
    space: AddressSpace,
    address: number,
    length: number,
    write: boolean,
    mode: AccessMode,
    each: (bytes: Uint8Array, offset: number, done: number, n: number) => void,
  ): void {
    // Check every page first so a faulting access changes nothing.
    this.check(space, address, length, write, mode);
    let done = 0;
    while (done < length) {
      const at = (address + done) >>> 0;
      const offset = at & (PAGE_SIZE - 1);
      const n = Math.min(PAGE_SIZE - offset, length - done);
      const pte = this.pte(space, at, write, mode);
      each(this.physical.bytes(this.backing(pte)), offset, done, n);
      done += n;
    }
  }

  /** The frame behind a PTE, giving a first-touched page its frame (the section's, when it is a view). */
  private backing(pte: Pte): number {
    if (pte.frame < 0) {
      if (pte.section !== null) {
        const { frame, fresh } = pte.section.frameFor(pte.sectionPage);
        pte.frame = frame;
        this.physical.addRef(frame);
        if (fresh) this.onSectionTouch?.(pte.section, pte.sectionPage, frame);
      } else {
        pte.frame = this.physical.allocate();
      }
    }
    return pte.frame;
  }

  private pte(space: AddressSpace, address: number, write: boolean, mode: AccessMode): Pte {
    const kernelAddress = isKernelAddress(address);
    if (mode === 'user' && kernelAddress) throw new SimException(STATUS.ACCESS_VIOLATION, address, write, mode);
    if (!kernelAddress && (address >>> 0) > USER_MAX) throw new SimException(STATUS.ACCESS_VIOLATION, address, write, mode);
    const pte = (kernelAddress ? this.kernel : space.user).get(address >>> PAGE_SHIFT);
    const allowed = pte !== undefined && pte.protect !== PAGE.NOACCESS && !(write && pte.protect === PAGE.READONLY);
    if (!allowed) {
      if (kernelAddress && mode === 'kernel') this.onKernelFault(address, write);
      throw new SimException(STATUS.ACCESS_VIOLATION, address, write, mode);
    }
    return pte;
  }
}

