import type { IoStackLocation } from './IoStackLocation.ts';
import type { QueryFileParameters } from './fileNameInformation.ts';

/**
 * The typed views of a stack location's parameter union (`Parameters.DeviceIoControl`,
 * `Parameters.Read`, …). Each reads and writes the location's four untyped arguments by
 * name. They are classes with prototype accessors so that every view of every location
 * shares one hidden class and costs one small allocation, made on first use.
 */

/** Where a view gets its location: the stack-location reference, which checks the IRP may still be touched. */
export interface ParameterSource {
  /** @internal */
  _location(): IoStackLocation;
  /** @internal a raw user pointer is being read (IO-3.8 context check, requesterContext.ts). */
  _userPointer?(what: string, pointer: number): void;
}

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

class DeviceIoControlView implements DeviceIoControlParameters {
  private readonly source: ParameterSource;
  constructor(source: ParameterSource) {
    this.source = source;
  }
  get outputBufferLength(): number {
    return this.source._location().arg1;
  }
  set outputBufferLength(value: number) {
    this.source._location().arg1 = value >>> 0;
  }
  get inputBufferLength(): number {
    return this.source._location().arg2;
  }
  set inputBufferLength(value: number) {
    this.source._location().arg2 = value >>> 0;
  }
  get ioControlCode(): number {
    return this.source._location().arg3;
  }
  set ioControlCode(value: number) {
    this.source._location().arg3 = value >>> 0;
  }
  get type3InputBuffer(): number {
    const pointer = this.source._location().arg4;
    this.source._userPointer?.('Parameters.DeviceIoControl.Type3InputBuffer', pointer);
    return pointer;
  }
  set type3InputBuffer(value: number) {
    this.source._location().arg4 = value >>> 0;
  }
  toJSON(): DeviceIoControlParameters {
    const { outputBufferLength, inputBufferLength, ioControlCode } = this;
    // Read directly: serialising is not a driver's use of the pointer (IO-3.8 check).
    return { outputBufferLength, inputBufferLength, ioControlCode, type3InputBuffer: this.source._location().arg4 };
  }
}

class ReadWriteView implements ReadWriteParameters {
  private readonly source: ParameterSource;
  constructor(source: ParameterSource) {
    this.source = source;
  }
  get length(): number {
    return this.source._location().arg1;
  }
  set length(value: number) {
    this.source._location().arg1 = value >>> 0;
  }
  get key(): number {
    return this.source._location().arg2;
  }
  set key(value: number) {
    this.source._location().arg2 = value >>> 0;
  }
  /** A LARGE_INTEGER: LowPart in the third argument, the signed HighPart in the fourth (-1 and -2 are special offsets, IO-4.5). */
  get byteOffset(): number {
    const sl = this.source._location();
    return (sl.arg4 | 0) * 0x1_0000_0000 + sl.arg3;
  }
  set byteOffset(value: number) {
    const sl = this.source._location();
    sl.arg3 = value >>> 0;
    sl.arg4 = Math.floor(value / 0x1_0000_0000) >>> 0;
  }
  toJSON(): ReadWriteParameters {
    const { length, key, byteOffset } = this;
    return { length, key, byteOffset };
  }
}

class CreateView implements CreateParameters {
  private readonly source: ParameterSource;
  constructor(source: ParameterSource) {
    this.source = source;
  }
  get desiredAccess(): number {
    return this.source._location().arg1;
  }
  set desiredAccess(value: number) {
    this.source._location().arg1 = value >>> 0;
  }
  get options(): number {
    return this.source._location().arg2;
  }
  set options(value: number) {
    this.source._location().arg2 = value >>> 0;
  }
  get shareAccess(): number {
    return this.source._location().arg3;
  }
  set shareAccess(value: number) {
    this.source._location().arg3 = value >>> 0;
  }
  toJSON(): CreateParameters {
    const { desiredAccess, options, shareAccess } = this;
    return { desiredAccess, options, shareAccess };
  }
}

/** The union of parameters, by request type; each view is made on first use and kept. */
export class StackParameters {
  private readonly source: ParameterSource;
  private deviceIoControl_: DeviceIoControlView | null = null;
  private read_: ReadWriteView | null = null;
  private write_: ReadWriteView | null = null;
  private create_: CreateView | null = null;

  constructor(source: ParameterSource) {
    this.source = source;
  }

  get deviceIoControl(): DeviceIoControlParameters {
    return (this.deviceIoControl_ ??= new DeviceIoControlView(this.source));
  }
  get read(): ReadWriteParameters {
    return (this.read_ ??= new ReadWriteView(this.source));
  }
  get write(): ReadWriteParameters {
    return (this.write_ ??= new ReadWriteView(this.source));
  }
  get create(): CreateParameters {
    return (this.create_ ??= new CreateView(this.source));
  }
  /** Parameters.QueryFile (IRP_MJ_QUERY_INFORMATION); made per access, off the hot path. [objects area] */
  get queryFile(): QueryFileParameters {
    const sl = this.source._location();
    return { length: sl.arg1, fileInformationClass: sl.arg2 };
  }
}
