import type { Machine } from './Machine.ts';
import { STATUS } from './ntstatus.ts';
import { SimException } from './SimException.ts';
import type { Task } from './Task.ts';
import { Thread } from './Thread.ts';

/**
 * An unhandled exception in kernel mode becomes the bug check Windows raises
 * (verifier-and-objects.md C22): 0x3B SYSTEM_SERVICE_EXCEPTION inside a system service,
 * 0x7E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED in a system thread or work item, 0x1E
 * KMODE_EXCEPTION_NOT_HANDLED elsewhere (a DPC, a timer). A JavaScript error thrown by
 * driver code counts as an access violation; its message is in the analysis.
 */
export function kernelFault(machine: Machine, task: Task, error: unknown): never {
  const thread = task.owner instanceof Thread ? task.owner : null;
  const code = SimException.is(error) ? error.code : STATUS.ACCESS_VIOLATION;
  const address = SimException.is(error) ? error.address : 0;
  let extra: { driver?: string; analysis?: Record<string, unknown> } = {};
  for (const analyze of machine.faultAnalyzers) extra = { ...extra, ...analyze(task) };
  const analysis = { ...extra.analysis, exception: describeError(error), task: task.name };
  const where = thread !== null && thread.service !== null ? 'service' : thread !== null || task.kind === 'work' ? 'system' : 'other';
  const [stop, name] =
    where === 'service'
      ? ([0x3b, 'SYSTEM_SERVICE_EXCEPTION'] as const)
      : where === 'system'
        ? ([0x7e, 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED'] as const)
        : ([0x1e, 'KMODE_EXCEPTION_NOT_HANDLED'] as const);
  return machine.bugcheck({
    code: stop,
    name,
    params: [code, address, 0, 0],
    message: `unhandled kernel-mode exception in ${task.name}: ${describeError(error)}`,
    ...(extra.driver !== undefined ? { driver: extra.driver } : {}),
    analysis,
  });
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
