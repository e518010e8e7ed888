/**
 * A memory descriptor list: a locked user (or system) range described by its pages, so a
 * driver can reach the caller's buffer from any context.
 */
export class Mdl {
  readonly address: number;
  /** The process whose address space the described range belongs to (set again when a driver's MDL is locked). */
  processId: number;
  readonly byteCount: number;
  /** Backing frames, in order; empty while a driver's IoAllocateMdl MDL is neither built nor locked (driverMdls.ts). */
  frames: readonly number[];
  /** The range was probed for write access (IoWriteAccess). */
  writable: boolean;
  /** MmGetSystemAddressForMdlSafe's mapping in system space, once made. */
  systemAddress = 0;
  /**
   * Pages of system space MmMapLockedPagesSpecifyCache(KernelMode) mapped for it
   * (MDL_MAPPED_TO_SYSTEM_VA); 0 when it has no such mapping — never mapped, unmapped by
   * MmUnlockPages, or a nonpaged-pool MDL whose buffer is its own system address.
   */
  systemPages = 0;
  /** MDL->Next: the next MDL of an IRP's chain (IoAllocateMdl with SecondaryBuffer TRUE). */
  next: Mdl | null = null;

  constructor(address: number, processId: number, byteCount: number, frames: readonly number[], writable: boolean) {
    this.address = address;
    this.processId = processId;
    this.byteCount = byteCount;
    this.frames = frames;
    this.writable = writable;
  }

  /** Byte offset of the range within its first page. */
  get byteOffset(): number {
    return this.address & 0xfff;
  }
}
