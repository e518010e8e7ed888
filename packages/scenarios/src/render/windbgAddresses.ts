/**
 * Addresses for objects that have no bytes in simulated memory. IRPs carry their own
 * (`Irp.address`); device, driver and file objects and MDLs are labelled from their object ids,
 * threads from their ids, and driver routines (JavaScript functions) get a stable address
 * in their driver's "image" from their name. Only the `!irp` / `!devstack` / `!drvobj`
 * renderer uses them; docs/cli.md says they are labels.
 */
export const objectAddress = (id: number): number => (0x84000000 + id * 0x100) >>> 0;
/** The MDL structure an IRP's MdlAddress points to (one per IRP in the simulator). */
export const mdlAddress = (irp: number): number => (0x87000000 + irp * 0x100) >>> 0;
export const threadAddress = (tid: number): number => (0x85000000 + tid * 0x400) >>> 0;
/** x86 sizes: the IRP header, one IO_STACK_LOCATION, a DEVICE_OBJECT (its extension follows it). */
export const IRP_HEADER_SIZE = 0x70;
export const STACK_LOCATION_SIZE = 0x24;
export const DEVICE_OBJECT_SIZE = 0xb8;
/** nt!IopInvalidDeviceRequest, the dispatch entry of every unset major function (IO-5.7). */
export const INVALID_DEVICE_REQUEST = 0x8040a1c0;

/** `Driver!routine` → an address in that driver's image: stable across runs and versions. */
export function routineAddress(symbol: string, driverIds: ReadonlyMap<string, number>): number {
  const bang = symbol.indexOf('!');
  const driver = symbol.slice(0, bang);
  let h = 0x811c9dc5;
  for (let i = bang + 1; i < symbol.length; i++) {
    h ^= symbol.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const base = driver === 'nt' ? 0x80400000 : (0x8c000000 + (driverIds.get(driver) ?? 0) * 0x10000) >>> 0;
  return (base + 0x1000 + ((h & 0xfff) << 4)) >>> 0;
}

/** `%08x`: eight lower-case hex digits, as the debugger prints pointers on x86. */
export const p32 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
