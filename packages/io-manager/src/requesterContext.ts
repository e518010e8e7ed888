import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';

/**
 * IO-3.8 (POLICY, from D-NEITHER): the raw user pointers of a user-mode request —
 * Irp->UserBuffer and Parameters.DeviceIoControl.Type3InputBuffer — are valid only in the
 * requesting process. A driver that reaches for one outside it (a lower driver in a
 * worker thread, a DPC, another process's thread) is recorded once per IRP as violation
 * `user-pointer-wrong-context`, at every verifier level but off.
 */
export function checkRequesterContext(io: IoManager, irp: Irp, driver: DriverObject | null, what: string, pointer: number): void {
  if (pointer === 0 || pointer >= 0x80000000 || irp.requestorMode !== 'user' || irp.thread === null || !io.verifier.on) return;
  const thread = io.machine.currentThreadOrNull();
  if (thread !== null && thread.process === irp.thread.process) return;
  if (irp.notes['wrongContext'] === true) return;
  irp.notes['wrongContext'] = true;
  const where = thread === null ? (io.machine.engine.current?.name ?? 'a DPC') : `${thread.label} of ${thread.process.name}`;
  io.machine.engine.violation(
    'user-pointer-wrong-context',
    'user-mode pointer used outside the requesting process',
    `${driver?.name ?? 'a driver'} read ${what} of ${io.describeIrp(irp)} in ${where}, not in the requesting process ${irp.thread.process.name}: the address means nothing there (IO-3.8)`,
  );
}
