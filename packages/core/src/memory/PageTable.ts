/** One mapped page: which frame backs it and how it may be accessed. */
export interface Pte {
  /** Backing frame, or -1 for a demand-zero page not touched yet. */
  frame: number;
  /** PAGE_NOACCESS, PAGE_READONLY or PAGE_READWRITE. */
  protect: number;
  /** A shared mapping (a section view): the frame belongs to the section. */
  readonly shared: boolean;
}

/** Virtual page number → page-table entry. */
export type PageTable = Map<number, Pte>;
