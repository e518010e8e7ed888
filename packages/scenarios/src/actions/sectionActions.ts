import { PAGE } from '@irpsim/core';
import { FILE_MAP } from '@irpsim/io-manager';
import type { ActionDef } from './ActionEnv.ts';
import { checkCommon, checkHandle, compileCommonExpect } from './expectCommon.ts';
import { handleOf, remember, requireHandle } from './handles.ts';
import { asProperty, byteCountSchema, handleExpect, nameSchema, valueSchema } from './schemaParts.ts';
import { didYouMean } from '../format/didYouMean.ts';

const objectName = { type: ['string', 'null'], description: 'A name in \\BaseNamedObjects, or ~ for none' } as const;

/** `create-section: name` — CreateFileMapping(INVALID_HANDLE_VALUE, …). */
const createSection: ActionDef = {
  description: 'CreateFileMapping backed by the page file: a section of `size` bytes, named or not.',
  value: objectName,
  properties: {
    size: byteCountSchema,
    protection: { enum: ['PAGE_READWRITE', 'PAGE_READONLY'], description: 'flProtect: PAGE_READWRITE (default) or PAGE_READONLY' },
    ...asProperty,
  },
  expect: handleExpect,
  defines: 'handle',
  compile(action, path, env, what) {
    const name = (action['create-section'] as string | null | undefined) ?? null;
    const size = typeof action['size'] === 'number' ? action['size'] : 4096;
    const protect = action['protection'] === 'PAGE_READONLY' ? PAGE.READONLY : PAGE.READWRITE;
    const as = action['as'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const handle = yield* t.u.CreateFileMapping(size, protect, name);
      remember(t, as, handle);
      checkHandle(t, what, action, handle, 0);
      checkCommon(t, what, common, handle !== 0);
    };
  },
};

/** `open-section: name` — OpenFileMapping. */
const openSection: ActionDef = {
  description: 'OpenFileMapping by name (FILE_MAP_ALL_ACCESS unless `access` is given).',
  value: { type: 'string' },
  properties: { access: valueSchema, ...asProperty },
  expect: handleExpect,
  defines: 'handle',
  compile(action, path, env, what) {
    const name = action['open-section'] as string;
    const access = action['access'] === undefined ? FILE_MAP.ALL_ACCESS : env.value(action['access'] as number | string, [...path, 'access']);
    const as = action['as'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const handle = yield* t.u.OpenFileMapping(access, name);
      remember(t, as, handle);
      checkHandle(t, what, action, handle, 0);
      checkCommon(t, what, common, handle !== 0);
    };
  },
};

/** `map-view: h` + `as: buffer` — MapViewOfFile; the view becomes a named buffer. */
const mapView: ActionDef = {
  description: 'MapViewOfFile: map the section into this process; `as` names the view as a buffer.',
  value: nameSchema,
  properties: {
    access: { ...valueSchema, description: 'dwDesiredAccess: FILE_MAP_WRITE (default, a read-write view) or FILE_MAP_READ' },
    offset: byteCountSchema,
    size: { ...byteCountSchema, description: 'Bytes to map; 0 (default) maps the whole section from the offset' },
    ...asProperty,
  },
  expect: {},
  defines: 'buffer',
  compile(action, path, env, what) {
    const section = action['map-view'] as string;
    requireHandle(section, [...path, 'map-view'], env);
    const access = action['access'] === undefined ? FILE_MAP.WRITE : env.value(action['access'] as number | string, [...path, 'access']);
    const offset = typeof action['offset'] === 'number' ? action['offset'] : 0;
    const size = typeof action['size'] === 'number' ? action['size'] : 0;
    const as = action['as'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const base = yield* t.u.MapViewOfFile(handleOf(t, section), access, offset, size);
      if (base !== 0 && as !== undefined) {
        // The view starts at `offset` (a multiple of 64 KiB, or MapViewOfFile fails); the
        // buffer is `size` bytes, or (size 0) the rest of the section, as MapViewOfFile.
        const view = t.u.thread.process.space.views.get(base);
        const sectionSize = view?.section.body.size ?? offset + size;
        const length = size === 0 ? sectionSize - offset : Math.min(size, sectionSize - offset);
        t.buffers.set(as, { address: base, size: length });
      }
      checkCommon(t, what, common, base !== 0);
    };
  },
};

/** `unmap-view: buffer` — UnmapViewOfFile. */
const unmapView: ActionDef = {
  description: 'UnmapViewOfFile on a view named with map-view … as:.',
  value: nameSchema,
  properties: {},
  expect: {},
  compile(action, path, env, what) {
    const view = action['unmap-view'] as string;
    if (!env.buffers.has(view)) {
      const close = didYouMean(view, env.buffers);
      env.error([...path, 'unmap-view'], `no view named '${view}' in this process`, close === null ? null : `did you mean '${close}'?`);
    }
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const ok = yield* t.u.UnmapViewOfFile(t.buffers.get(view)?.address ?? 0);
      if (ok) t.buffers.delete(view);
      checkCommon(t, what, common, ok);
    };
  },
};

export const SECTION_ACTIONS = { 'create-section': createSection, 'open-section': openSection, 'map-view': mapView, 'unmap-view': unmapView } as const;
