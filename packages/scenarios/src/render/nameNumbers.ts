import { hex } from '@irpsim/core';

/**
 * A Win32 call's detail text with known numbers named (`0x222400` → `IOCTL_X (0x222400)`);
 * handle values are never named. The same rule the narration applies.
 */
export function nameNumbers(detail: string, names: ReadonlyMap<number, string>): string {
  return detail.replace(/(handle )?0x[0-9A-F]+/g, (h, handle) => {
    if (handle !== undefined) return h;
    const value = parseInt(h, 16) >>> 0;
    const name = names.get(value);
    return name === undefined ? h : `${name} (${hex(value)})`;
  });
}

/** The first number of a Win32 call's detail that is not a handle: DeviceIoControl's control code. */
export function controlCodeOf(detail: string): number | null {
  const match = /0x[0-9A-F]+/.exec(detail.replace(/handle 0x[0-9A-F]+/g, 'handle'));
  return match === null ? null : parseInt(match[0], 16) >>> 0;
}
