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

/** Virtual page number → page-table entry. */
export type PageTable = Map<number, Pte>;
