import { IRP_MJ } from '@irpsim/io-manager';
import { methods } from '../methods.ts';
import { twinOf, withDdis } from './twinOf.ts';

/**
 * `methods` whose METHOD_NEITHER branch lacks its `ProbeForWrite(UserBuffer, …)` line: the
 * caller's raw output pointer is written without a check (IO-3.8). A caller that passes a
 * kernel address as its output buffer has the kernel write its bytes there — the classic
 * privilege escalation. The verifier records `unprobed-user-pointer`, naming the pointer
 * and the bytes written (lesson `bug-neither-unprobed`).
 */
export const methodsNeitherUnprobed = twinOf(methods, {
  name: 'methods-neither-unprobed',
  description: 'Buggy twin of methods: METHOD_NEITHER writes Irp->UserBuffer without ProbeForWrite (unprobed-user-pointer)',
  major: IRP_MJ.DEVICE_CONTROL,
  // The bug: the routine's ProbeForWrite line is gone (its ProbeForRead stays).
  routine: (correct) => (k, device, irp) => correct(withDdis(k, { ProbeForWrite() {} }), device, irp),
});
