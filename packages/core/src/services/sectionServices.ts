import type { Machine } from '../Machine.ts';
import { ALLOCATION_GRANULARITY, PAGE, PAGE_SIZE } from '../memory/layout.ts';
import { Section } from '../memory/Section.ts';
import { mapView, unmapView } from '../memory/views.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { SECTION_ACCESS, SectionType } from '../objects/coreTypes.ts';
import type { Routine } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import { createOrOpen, openNamed, probeOutputs, referenceHandle, writeOutput } from './serviceHelpers.ts';

/** NtCreateSection for page-file-backed memory: `size` bytes, rounded up to pages (C3). */
export function* NtCreateSection(m: Machine, t: Thread, a: { handleOut: number; access: number; name: string | null; size: number; protect: number }): Routine<NtStatus> {
  if (a.size <= 0) return STATUS.INVALID_PARAMETER;
  if (a.protect !== PAGE.READWRITE && a.protect !== PAGE.READONLY) return STATUS.INVALID_PARAMETER;
  return createOrOpen(m, t, SectionType, a.name, a.access, a.handleOut, () => new Section(a.size, a.protect, Math.ceil(a.size / PAGE_SIZE), m.memory.physical, a.name));
}

export function* NtOpenSection(m: Machine, t: Thread, a: { handleOut: number; access: number; name: string }): Routine<NtStatus> {
  return openNamed(m, t, SectionType, a.name, a.access, a.handleOut);
}

/**
 * NtMapViewOfSection into the caller's process; the handle needs map-read (and map-write
 * for a writable view). An offset that is not a multiple of 64 KiB fails before the handle
 * is looked at: STATUS_MAPPED_ALIGNMENT (MapViewOfFile's ERROR_MAPPED_ALIGNMENT, 1132).
 */
export function* NtMapViewOfSection(m: Machine, t: Thread, a: { sectionHandle: number; baseOut: number; offset: number; size: number; protect: number }): Routine<NtStatus> {
  const probed = probeOutputs(m, t, a.baseOut);
  if (probed !== STATUS.SUCCESS) return probed;
  if (a.offset % ALLOCATION_GRANULARITY !== 0) return STATUS.MAPPED_ALIGNMENT;
  const access = SECTION_ACCESS.MAP_READ | (a.protect === PAGE.READWRITE ? SECTION_ACCESS.MAP_WRITE : 0);
  const { status, object } = referenceHandle<Section>(m, t, a.sectionHandle, access, SectionType);
  if (object === null) return status;
  const view = mapView(m, t.process.space, object, a.offset, a.size, a.protect);
  yield* m.objects.dereference(object);
  if (view.status !== STATUS.SUCCESS) return view.status;
  yield Math.ceil(view.size / PAGE_SIZE) * m.cost.pageMap; // building the view's page-table entries
  writeOutput(m, t, a.baseOut, view.base);
  return STATUS.SUCCESS;
}

export function* NtUnmapViewOfSection(m: Machine, t: Thread, a: { base: number }): Routine<NtStatus> {
  return yield* unmapView(m, t.process.space, a.base);
}
