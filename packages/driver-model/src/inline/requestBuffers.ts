import { DO, IRP_MJ, METHOD, type IrpRef, type Kernel, type Mdl } from '@irpsim/io-manager';
import type { LengthName } from './InlineDriverSpec.ts';

/** One buffer of a request as its driver reaches it: an address valid here, and its length. */
export interface Reach {
  readonly address: number;
  readonly length: number;
  /** The caller's own pointer (METHOD_NEITHER, neither I/O) from user mode: probe before use (IO-3.8). */
  readonly probe: boolean;
}

/** The lengths and buffers of a request, as its dispatch routine finds them (IO-3.x, IO-4.1). */
export interface RequestBuffers {
  readonly major: number;
  readonly ioControlCode: number | null;
  readonly lengths: Readonly<Record<LengthName, number>>;
  readonly input: Reach | null;
  readonly output: Reach | null;
}

const NONE: Readonly<Record<LengthName, number>> = { inputLength: 0, outputLength: 0, length: 0 };

/** The MDL's pages in system space (direct I/O), or null without an MDL. */
function mapped(k: Kernel, irp: IrpRef): Reach | null {
  const mdl = irp.mdlAddress as Mdl | null;
  return mdl === null ? null : { address: k.MmGetSystemAddressForMdlSafe(mdl), length: mdl.byteCount, probe: false };
}

/**
 * Where the request's data is: METHOD_BUFFERED input and output share the system buffer;
 * the DIRECT methods have the input there and the output behind an MDL; METHOD_NEITHER
 * passes the caller's raw pointers. Reads and writes follow the device's DO_* flags.
 */
export function requestBuffers(k: Kernel, irp: IrpRef, deviceFlags: number): RequestBuffers {
  const sl = k.IoGetCurrentIrpStackLocation(irp);
  const major = sl.majorFunction;
  const user = irp.requestorMode === 'UserMode';
  if (major === IRP_MJ.DEVICE_CONTROL || major === IRP_MJ.INTERNAL_DEVICE_CONTROL) {
    const p = sl.parameters.deviceIoControl;
    const lengths = { inputLength: p.inputBufferLength, outputLength: p.outputBufferLength, length: 0 };
    const method = p.ioControlCode & 3;
    const system = (length: number): Reach | null => (length === 0 ? null : { address: irp.systemBuffer, length, probe: false });
    if (method === METHOD.BUFFERED) return { major, ioControlCode: p.ioControlCode, lengths, input: system(lengths.inputLength), output: system(lengths.outputLength) };
    if (method === METHOD.NEITHER) {
      return {
        major,
        ioControlCode: p.ioControlCode,
        lengths,
        input: { address: p.type3InputBuffer, length: lengths.inputLength, probe: user },
        output: { address: irp.userBuffer, length: lengths.outputLength, probe: user },
      };
    }
    return { major, ioControlCode: p.ioControlCode, lengths, input: system(lengths.inputLength), output: mapped(k, irp) };
  }
  if (major !== IRP_MJ.READ && major !== IRP_MJ.WRITE) return { major, ioControlCode: null, lengths: NONE, input: null, output: null };
  const read = major === IRP_MJ.READ;
  const length = (read ? sl.parameters.read : sl.parameters.write).length;
  let data: Reach | null;
  if ((deviceFlags & DO.BUFFERED_IO) !== 0) data = { address: irp.systemBuffer, length, probe: false };
  else if ((deviceFlags & DO.DIRECT_IO) !== 0) data = mapped(k, irp);
  else data = { address: irp.userBuffer, length, probe: user };
  if (length === 0) data = null;
  return {
    major,
    ioControlCode: null,
    lengths: read ? { inputLength: 0, outputLength: length, length } : { inputLength: length, outputLength: 0, length },
    input: read ? null : data,
    output: read ? data : null,
  };
}
