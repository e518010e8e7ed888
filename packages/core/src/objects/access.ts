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
  // ACCESS.GENERIC_* as literals: every user-mode handle reference maps its access, V8
  // does not fold a module's constants, and GENERIC_READ / GENERIC_WRITE are no small
  // integers (a double to truncate per use).
  let access = desired & 0x0fffffff;
  if (desired & 0x80000000 /* GENERIC_READ */) access |= type.genericMapping.read;
  if (desired & 0x40000000 /* GENERIC_WRITE */) access |= type.genericMapping.write;
  if (desired & 0x20000000 /* GENERIC_EXECUTE */) access |= type.genericMapping.execute;
  if (desired & 0x10000000 /* GENERIC_ALL */) access |= type.genericMapping.all;
  return access >>> 0;
}
