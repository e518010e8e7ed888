import { didYouMean } from '../format/didYouMean.ts';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type ActionDef, type CompileEnv, type Dyn } from './ActionEnv.ts';
import { handleOf, requireHandle } from './handles.ts';
import { countSchema, nameSchema } from './schemaParts.ts';

/** The buffer the handle value goes into must be one of the process's named buffers. */
function requireBuffer(name: string, offset: Dyn, path: Path, env: CompileEnv): void {
  if (!env.buffers.has(name)) {
    const close = didYouMean(name, env.buffers);
    env.error([...path, 'write-handle'], `no buffer named '${name}' in this process`, close === null ? 'name one under buffers:, with alloc or with map-view … as:' : `did you mean '${close}'?`);
    return;
  }
  const size = env.bufferSizes.get(name);
  if (typeof offset === 'number' && typeof size === 'number' && offset + 4 > size) {
    env.error([...path, 'offset'], `a handle is 4 bytes: offset ${offset} leaves no room for it in '${name}' (${size} bytes)`, `an offset from 0 to ${size - 4}`);
  }
}

/**
 * `write-handle: buffer` + `handle: h` — stores the value of a handle (4 bytes, little
 * endian, the 32-bit HANDLE) into a buffer, as `*(HANDLE *)args = hEvent;` does: how an
 * application passes a handle to a driver in an IOCTL's input (IO-10.2).
 */
const writeHandle: ActionDef = {
  description: 'Store a handle’s value (4 bytes) into a buffer in user mode, as *(HANDLE *)buffer = h: how an application passes a handle to a driver by IOCTL.',
  value: { ...nameSchema, description: 'The buffer to write into' },
  properties: { handle: { ...nameSchema, description: 'The handle whose value is written' }, offset: countSchema },
  expect: {},
  call: false,
  compile(action, path, env) {
    const buffer = action['write-handle'] as string;
    const handle = action['handle'] as string | undefined;
    const offset: Dyn = action['offset'] === undefined ? 0 : env.dyn(action['offset'] as number | string, [...path, 'offset']);
    if (handle === undefined) env.error(path, 'write-handle needs `handle:`: the handle whose value is written');
    else requireHandle(handle, [...path, 'handle'], env);
    requireBuffer(buffer, offset, path, env);
    return function* (t) {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, handle === undefined ? 0 : handleOf(t, handle) >>> 0, true);
      const address = (t.buffers.get(buffer)?.address ?? 0) + valueAt(offset, t);
      t.u.write(address, bytes);
      t.u.noteAccess(address, bytes, true);
    };
  },
};

export const HANDLE_ACTIONS = { 'write-handle': writeHandle } as const;
