import type { KEvent, NtStatus, Routine } from '@irpsim/core';
import type { Kernel } from '@irpsim/io-manager';

/**
 * An inline driver's named event: IoCreateNotificationEvent / IoCreateSynchronizationEvent
 * on `\BaseNamedObjects\<name>`, so user mode can open it by name (OpenEvent) and the
 * driver can KeSetEvent it. A newly created event starts signalled (C15); the driver
 * clears it at once, as real drivers do, so the first wait blocks until the driver signals.
 */
export function* createNamedEvent(k: Kernel, name: string, type: 'notification' | 'synchronization'): Routine<{ status: NtStatus; event: KEvent | null }> {
  const full = `\\BaseNamedObjects\\${name}`;
  const made = type === 'notification' ? yield* k.IoCreateNotificationEvent(full) : yield* k.IoCreateSynchronizationEvent(full);
  if (made.event !== null) k.KeClearEvent(made.event);
  return { status: made.status, event: made.event };
}
