import type { NtStatus, Routine } from '@irpsim/core';
import { completeReturning } from './completeRequest.ts';
import type { Kernel } from './Kernel.ts';
import type { IrpRef } from './refs.ts';

/**
 * The usual end of a dispatch routine that completes its IRP itself, in one call — the
 * C idiom
 *
 *     Irp->IoStatus.Status = status;
 *     Irp->IoStatus.Information = information;
 *     IoCompleteRequest(Irp, boost);
 *     return status;
 *
 * It returns the routine that runs IoCompleteRequest and then returns `status`: the status
 * passed in, never read back from the IRP, which belongs to someone else once completed.
 * A plain dispatch routine ends with it, `return completeIrp(k, irp, STATUS.SUCCESS)`, as a
 * filter ends with `return k.IoCallDriver(lower, irp)` (routines.ts); a generator with
 * `return yield* completeIrp(…)`. The same steps, values and trace as the four lines
 * written out, and no generator of the routine's own.
 */
export function completeIrp(k: Kernel, irp: IrpRef, status: NtStatus, information = 0, boost = 0 /* IO_NO_INCREMENT */): Routine<NtStatus> {
  irp.ioStatus.status = status;
  irp.ioStatus.information = information;
  return completeReturning(k.IoCompleteRequest(irp, boost), status);
}
