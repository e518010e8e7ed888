import { PAGE_SIZE } from './layout.ts';

/** Frames carved from one zero-filled slab (64 KiB). */
const SLAB_FRAMES = 16;

/**
 * Page frames with real bytes. A frame is allocated zero-filled and can be mapped by
 * several page tables at once, which is what makes shared sections share.
 *
 * Frames are views of larger slabs rather than one ArrayBuffer each: every buffer of
 * its own is an external allocation the collector tracks and finalises, and a scenario
 * run touches dozens of pages (stacks, heaps, pool), so per-page buffers were a large
 * share of a short run's collector time (docs/performance.md, round 6). A freed frame
 * keeps its view, zeroed again when the frame is reused.
 */
export class PhysicalMemory {
  /** The bytes of each allocated frame; null while the frame is free. */
  private readonly frames: (Uint8Array | null)[] = [];
  /** The view of each frame, kept across free and reuse. */
  private readonly views: Uint8Array[] = [];
  /** Each frame's bytes as a DataView too (`words`): a 32-bit access is one load or store. */
  private readonly dataViews: DataView[] = [];
  private readonly free: number[] = [];
  private readonly refs: number[] = [];
  private slab: Uint8Array | null = null;
  private slabUsed = SLAB_FRAMES;

  /** Frames in use. */
  get used(): number {
    return this.frames.length - this.free.length;
  }

  allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) {
      const bytes = this.views[reused]!.fill(0);
      this.frames[reused] = bytes;
      this.refs[reused] = 1;
      return reused;
    }
    if (this.slabUsed === SLAB_FRAMES) {
      this.slab = new Uint8Array(SLAB_FRAMES * PAGE_SIZE);
      this.slabUsed = 0;
    }
    const start = this.slabUsed++ * PAGE_SIZE;
    const bytes = this.slab!.subarray(start, start + PAGE_SIZE);
    this.views.push(bytes);
    this.dataViews.push(new DataView(bytes.buffer, bytes.byteOffset, PAGE_SIZE));
    this.frames.push(bytes);
    this.refs.push(1);
    return this.frames.length - 1;
  }

  /** One more page table maps this frame. */
  addRef(frame: number): void {
    this.refs[frame]!++;
  }

  /** One mapping fewer; the frame is freed with its last mapping. */
  release(frame: number): void {
    if (--this.refs[frame]! === 0) {
      this.frames[frame] = null;
      this.free.push(frame);
    }
  }

  /** The frame's bytes as a DataView, for the word accesses of Memory (little-endian, as the bytes). */
  words(frame: number): DataView {
    const words = this.dataViews[frame];
    if (words === undefined || this.frames[frame] === null) throw new Error(`frame ${frame} is not allocated`);
    return words;
  }

  bytes(frame: number): Uint8Array {
    const bytes = this.frames[frame];
    if (bytes === null || bytes === undefined) throw new Error(`frame ${frame} is not allocated`);
    return bytes;
  }
}
