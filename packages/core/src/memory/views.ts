import type { Machine } from '../Machine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import type { KObject } from '../objects/KObject.ts';
import type { AddressSpace } from './AddressSpace.ts';
import { ALLOCATION_GRANULARITY, PAGE, PAGE_SIZE } from './layout.ts';
import type { Section } from './Section.ts';

/** A mapped view: where, how big, of which section. */
export interface View {
  readonly base: number;
  readonly size: number;
  readonly section: KObject<Section>;
}

/** The views of a process's user space, or of system space. */
function viewsOf(owner: { readonly views: Map<number, View> }): Map<number, View> {
  return owner.views;
}

/**
 * Maps a view of a section (verifier-and-objects.md C4): into a process's user space, or
 * into system space when `space` is null. `offset` must be a multiple of the allocation
 * granularity (64 KiB), else STATUS_MAPPED_ALIGNMENT, as NtMapViewOfSection answers; a
 * size of 0 maps to the end of the section. The view holds a reference on the section, so the
 * section lives while any view does (C6).
 */
export function mapView(
  machine: Machine,
  space: AddressSpace | null,
  section: KObject<Section>,
  offset: number,
  size: number,
  protect: number,
): { status: NtStatus; base: number; size: number } {
  const body = section.body;
  if (offset % ALLOCATION_GRANULARITY !== 0) return { status: STATUS.MAPPED_ALIGNMENT, base: 0, size: 0 };
  const first = offset / PAGE_SIZE;
  const end = size === 0 ? body.size : Math.min(body.size, offset + size);
  const count = Math.ceil(end / PAGE_SIZE) - first;
  if (count <= 0 || offset >= body.size) return { status: STATUS.INVALID_VIEW_SIZE, base: 0, size: 0 };
  if (protect === PAGE.READWRITE && body.protect === PAGE.READONLY) return { status: STATUS.SECTION_PROTECTION, base: 0, size: 0 };
  const bytes = count * PAGE_SIZE;
  const memory = machine.memory;
  let base: number;
  if (space === null) {
    base = memory.reserveSystem(count);
    memory.mapSection(memory.kernel, base, body, first, count, protect);
  } else {
    const reserved = space.reserve(bytes);
    if (reserved === null) return { status: STATUS.NO_MEMORY, base: 0, size: 0 };
    base = reserved;
    memory.mapSection(space.user, base, body, first, count, protect);
    space.regions.set(base, { base, size: bytes, label: `view of ${section.name ?? `section #${section.id}`}` });
  }
  machine.objects.reference(section);
  viewsOf(space ?? machine.memory).set(base, { base, size: bytes, section });
  if (machine.trace.on) {
    machine.trace.emit({
      type: 'mem.view.map',
      pid: space === null ? 0 : (machine.processes.find((p) => p.space === space)?.id ?? 0),
      address: base,
      size: bytes,
      section: section.id,
      sectionName: section.name,
      firstPage: first,
      frames: body.frames.slice(first, first + count),
    });
  }
  return { status: STATUS.SUCCESS, base, size: bytes };
}

/** Unmaps the view containing `address` (any address inside it, C5). */
export function* unmapView(machine: Machine, space: AddressSpace | null, address: number): Generator<number, NtStatus, unknown> {
  const map = viewsOf(space ?? machine.memory);
  let view: View | undefined;
  for (const v of map.values()) if (address >= v.base && address < v.base + v.size) view = v;
  if (view === undefined) return STATUS.NOT_MAPPED_VIEW;
  map.delete(view.base);
  const memory = machine.memory;
  memory.unmapRange(space === null ? memory.kernel : space.user, view.base, view.size);
  if (space !== null) space.regions.delete(view.base);
  if (machine.trace.on) {
    machine.trace.emit({ type: 'mem.view.unmap', pid: space === null ? 0 : (machine.processes.find((p) => p.space === space)?.id ?? 0), address: view.base, section: view.section.id });
  }
  yield* machine.objects.dereference(view.section);
  return STATUS.SUCCESS;
}

/** The views mapped in an address space (or system space), for reports. */
export function viewsIn(machine: Machine, space: AddressSpace | null): View[] {
  return [...viewsOf(space ?? machine.memory).values()];
}

