import { PAGE_SIZE } from './layout.ts';

/**
 * Page frames with real bytes. A frame is allocated zero-filled and can be mapped by
 * several page tables at once, which is what makes shared sections share.
 */
export class PhysicalMemory {
  private readonly frames: (Uint8Array | null)[] = [];
  private readonly free: number[] = [];
  private readonly refs: number[] = [];

  /** Frames in use. */
  get used(): number {
    return this.frames.length - this.free.length;
  }

  allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) {
      this.frames[reused] = new Uint8Array(PAGE_SIZE);
      this.refs[reused] = 1;
      return reused;
    }
    this.frames.push(new Uint8Array(PAGE_SIZE));
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

  bytes(frame: number): Uint8Array {
    const bytes = this.frames[frame];
    if (bytes === null || bytes === undefined) throw new Error(`frame ${frame} is not allocated`);
    return bytes;
  }
}
