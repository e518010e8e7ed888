import { IRP_MJ } from './constants.ts';
import type { IoStackLocation } from './IoStackLocation.ts';
import type { QueryFileParameters } from './fileNameInformation.ts';

/** Parameters.DeviceIoControl. */
export interface DeviceIoControlParameters {
  outputBufferLength: number;
  inputBufferLength: number;
  ioControlCode: number;
  type3InputBuffer: number;
}
/** Parameters.Read / Parameters.Write. */
export interface ReadWriteParameters {
  length: number;
  key: number;
  byteOffset: number;
}
/** Parameters.Create. */
export interface CreateParameters {
  desiredAccess: number;
  options: number;
  shareAccess: number;
}

/** The union of parameters, by request type (IrpSp->Parameters). */
export interface StackParameters {
  readonly deviceIoControl: DeviceIoControlParameters;
  readonly read: ReadWriteParameters;
  readonly write: ReadWriteParameters;
  readonly create: CreateParameters;
  readonly queryFile: QueryFileParameters;
}

/**
 * IrpSp->Parameters and its members. In C the union lies inside the stack location, and so
 * here: the stack-location reference (`StackLocationRef`, which extends this) is also the
 * union and each of its members, whose accessors read and write the location's four untyped
 * arguments (`Parameters.Others.Argument1–4`) by name. `parameters` and its members return
 * the reference typed as what they are; the accessors are protected so that a driver reaches
 * them as in C, through `parameters`. No object is made per view.
 */
export abstract class ParameterUnion {
  /** @internal the location, after checking the IRP may still be touched. */
  abstract _location(): IoStackLocation;
  /** @internal a raw user pointer is being read (IO-3.8 context check, requesterContext.ts). */
  abstract _userPointer(what: string, pointer: number): void;

  /** The union of parameters, by request type. */
  get parameters(): StackParameters {
    return this as unknown as StackParameters;
  }

  // ── the union's members ──
  protected get deviceIoControl(): DeviceIoControlParameters {
    return this as unknown as DeviceIoControlParameters;
  }
  /** Parameters.Read and Parameters.Write have the same layout. */
  protected get read(): ReadWriteParameters {
    return this as unknown as ReadWriteParameters;
  }
  protected get write(): ReadWriteParameters {
    return this as unknown as ReadWriteParameters;
  }
  protected get create(): CreateParameters {
    return this as unknown as CreateParameters;
  }
  /** Parameters.QueryFile (IRP_MJ_QUERY_INFORMATION); made per access, off the hot path. [objects area] */
  protected get queryFile(): QueryFileParameters {
    const sl = this._location();
    return { length: sl.arg1, fileInformationClass: sl.arg2 };
  }

  // ── Parameters.DeviceIoControl ──
  protected get outputBufferLength(): number {
    return this._location().arg1;
  }
  protected set outputBufferLength(value: number) {
    this._location().arg1 = value >>> 0;
  }
  protected get inputBufferLength(): number {
    return this._location().arg2;
  }
  protected set inputBufferLength(value: number) {
    this._location().arg2 = value >>> 0;
  }
  protected get ioControlCode(): number {
    return this._location().arg3;
  }
  protected set ioControlCode(value: number) {
    this._location().arg3 = value >>> 0;
  }
  protected get type3InputBuffer(): number {
    const pointer = this._location().arg4;
    this._userPointer('Parameters.DeviceIoControl.Type3InputBuffer', pointer);
    return pointer;
  }
  protected set type3InputBuffer(value: number) {
    this._location().arg4 = value >>> 0;
  }

  // ── Parameters.Read, Parameters.Write ──
  protected get length(): number {
    return this._location().arg1;
  }
  protected set length(value: number) {
    this._location().arg1 = value >>> 0;
  }
  protected get key(): number {
    return this._location().arg2;
  }
  protected set key(value: number) {
    this._location().arg2 = value >>> 0;
  }
  /** A LARGE_INTEGER: LowPart in the third argument, the signed HighPart in the fourth (-1 and -2 are special offsets, IO-4.5). */
  protected get byteOffset(): number {
    const sl = this._location();
    return (sl.arg4 | 0) * 0x1_0000_0000 + sl.arg3;
  }
  protected set byteOffset(value: number) {
    const sl = this._location();
    sl.arg3 = value >>> 0;
    sl.arg4 = Math.floor(value / 0x1_0000_0000) >>> 0;
  }

  // ── Parameters.Create ──
  protected get desiredAccess(): number {
    return this._location().arg1;
  }
  protected set desiredAccess(value: number) {
    this._location().arg1 = value >>> 0;
  }
  protected get options(): number {
    return this._location().arg2;
  }
  protected set options(value: number) {
    this._location().arg2 = value >>> 0;
  }
  protected get shareAccess(): number {
    return this._location().arg3;
  }
  protected set shareAccess(value: number) {
    this._location().arg3 = value >>> 0;
  }
}

/**
 * What JSON shows of a location's parameters: the member of the union its major function
 * selects (the four arguments for the others). Read directly: serialising is not a driver's
 * use of a user pointer (IO-3.8 check).
 */
export function parametersJson(sl: IoStackLocation): Record<string, number> {
  switch (sl.majorFunction) {
    case IRP_MJ.DEVICE_CONTROL:
    case IRP_MJ.INTERNAL_DEVICE_CONTROL:
      return { outputBufferLength: sl.arg1, inputBufferLength: sl.arg2, ioControlCode: sl.arg3, type3InputBuffer: sl.arg4 };
    case IRP_MJ.READ:
    case IRP_MJ.WRITE:
      return { length: sl.arg1, key: sl.arg2, byteOffset: (sl.arg4 | 0) * 0x1_0000_0000 + sl.arg3 };
    case IRP_MJ.CREATE:
      return { desiredAccess: sl.arg1, options: sl.arg2, shareAccess: sl.arg3 };
    default:
      return { argument1: sl.arg1, argument2: sl.arg2, argument3: sl.arg3, argument4: sl.arg4 };
  }
}
