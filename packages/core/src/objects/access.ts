import type { ObjectType } from './ObjectType.ts';

/** Generic and standard access rights (winnt.h). */
export const ACCESS = {
  GENERIC_READ: 0x80000000,
  GENERIC_WRITE: 0x40000000,
  GENERIC_EXECUTE: 0x20000000,
  GENERIC_ALL: 0x10000000,
  DELETE: 0x00010000,
  READ_CONTROL: 0x00020000,
  SYNCHRONIZE: 0x00100000,
  STANDARD_RIGHTS_REQUIRED: 0x000f0000,
  MAXIMUM_ALLOWED: 0x02000000,
} as const;

/** Replaces the generic bits of `desired` with the type's specific rights. */
export function mapGenericAccess(type: ObjectType, desired: number): number {
  let access = desired & 0x0fffffff;
  if (desired & ACCESS.GENERIC_READ) access |= type.genericMapping.read;
  if (desired & ACCESS.GENERIC_WRITE) access |= type.genericMapping.write;
  if (desired & ACCESS.GENERIC_EXECUTE) access |= type.genericMapping.execute;
  if (desired & ACCESS.GENERIC_ALL) access |= type.genericMapping.all;
  return access >>> 0;
}
