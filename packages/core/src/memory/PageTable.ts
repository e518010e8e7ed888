import type { Section } from './Section.ts';

/** One mapped page: which frame backs it and how it may be accessed. */
export interface Pte {
  /** Backing frame, or -1 for a page not touched yet. */
  frame: number;
  /** PAGE_NOACCESS, PAGE_READONLY or PAGE_READWRITE. */
  protect: number;
  /** A view of a section: the frame comes from (and belongs to) the section. */
  readonly section: Section | null;
  /** Page index within the section. */
  readonly sectionPage: number;
}

/**
 * Virtual page number → page-table entry. The two pages looked up last are remembered,
 * like a small TLB: a request touches its caller's IO_STATUS_BLOCK (on the stack page)
 * four times and its byte count (on a heap page) once, and a hash lookup per access cost
 * more than the access (docs/performance.md, round 6).
 */
export class PageTable {
  private readonly entries = new Map<number, Pte>();
  private lastPage = -1;
  private lastPte: Pte | undefined = undefined;
  private olderPage = -1;
  private olderPte: Pte | undefined = undefined;

  get size(): number {
    return this.entries.size;
  }

  get(page: number): Pte | undefined {
    if (page === this.lastPage) return this.lastPte;
    const pte = page === this.olderPage ? this.olderPte : this.entries.get(page);
    this.olderPage = this.lastPage;
    this.olderPte = this.lastPte;
    this.lastPage = page;
    this.lastPte = pte;
    return pte;
  }

  has(page: number): boolean {
    return this.get(page) !== undefined;
  }

  set(page: number, pte: Pte): void {
    this.entries.set(page, pte);
    if (page === this.lastPage) this.lastPte = pte;
    if (page === this.olderPage) this.olderPte = pte;
  }

  delete(page: number): boolean {
    if (page === this.lastPage) this.lastPte = undefined;
    if (page === this.olderPage) this.olderPte = undefined;
    return this.entries.delete(page);
  }
}
