import type { PhysicalMemory } from './PhysicalMemory.ts';

/**
 * A section: memory that several address spaces can map (verifier-and-objects.md C1–C6).
 * Page-file backed: a page gets its frame, zero-filled, when any view first touches it,
 * and every view of the section then sees that same frame.
 */
export class Section {
  readonly size: number;
  readonly protect: number;
  /** The section's name, for narration (null: unnamed). */
  readonly name: string | null;
  /** Frame of each page, or -1 until first touched. */
  readonly frames: number[];
  private readonly physical: PhysicalMemory;

  constructor(size: number, protect: number, pages: number, physical: PhysicalMemory, name: string | null) {
    this.size = size;
    this.protect = protect;
    this.name = name;
    this.physical = physical;
    this.frames = new Array<number>(pages).fill(-1);
  }

  /** The frame of page `i`, allocated zero-filled on first touch; `fresh` says whether it was. */
  frameFor(i: number): { frame: number; fresh: boolean } {
    const frame = this.frames[i]!;
    if (frame >= 0) return { frame, fresh: false };
    const allocated = this.physical.allocate();
    this.frames[i] = allocated;
    return { frame: allocated, fresh: true };
  }

  /** Frees the section's frames (when the section object is deleted). */
  release(): void {
    for (let i = 0; i < this.frames.length; i++) {
      if (this.frames[i]! >= 0) this.physical.release(this.frames[i]!);
      this.frames[i] = -1;
    }
  }
}
