import type { FileObject } from './FileObject.ts';
import type { DeviceRef } from './refs.ts';

/**
 * A file object as a driver sees it (IrpSp->FileObject): which open it is, the name past
 * the device (IO-9.3), the device the name resolved to (IO-9.9) and the driver's per-open
 * context.
 */
export class FileObjectRef {
  /** @internal */
  readonly _file: FileObject;

  constructor(file: FileObject) {
    this._file = file;
  }

  /** The file object's number in traces: the same for its CREATE, CLEANUP and CLOSE. */
  get id(): number {
    return this._file.id;
  }
  /** FileObject->FileName: `\sub` for `\\.\Foo\sub`, '' for the bare device. */
  get fileName(): string {
    return this._file.fileName;
  }
  /** FileObject->DeviceObject: the named device, not the top of its stack (IO-9.9). */
  get deviceObject(): DeviceRef {
    return this._file.device.ref;
  }
  /** FileObject->FsContext. */
  get fsContext(): unknown {
    return this._file.context;
  }
  set fsContext(value: unknown) {
    this._file.context = value;
  }
  /** FileObject->FsContext2. */
  get fsContext2(): unknown {
    return this._file.context2;
  }
  set fsContext2(value: unknown) {
    this._file.context2 = value;
  }
}
