/**
 * KDEVICE_QUEUE (IO-6.7): a busy flag and a FIFO of entries (an IRP's
 * Tail.Overlay.DeviceQueueEntry). KeInsertDeviceQueue on an idle queue queues nothing —
 * it sets Busy and returns false, and the caller starts the operation itself; on a busy
 * queue it appends and returns true. Queue membership knows nothing of Cancel or cancel
 * routines: removing a cancelled IRP is its cancel routine's job (KeRemoveEntryDeviceQueue).
 * Windows guards the queue with its own spin lock and asks for DISPATCH_LEVEL; here each
 * operation is one atomic step, so the lock is not modelled.
 */
export class KDeviceQueue<T = unknown> {
  busy = false;
  /** The queued entries, head first. */
  readonly entries: T[] = [];
}

/** KeInsertDeviceQueue: false (and Busy set) on an idle queue, true when the entry was queued. */
export function insertDeviceQueue<T>(queue: KDeviceQueue<T>, entry: T): boolean {
  if (!queue.busy) {
    queue.busy = true;
    return false;
  }
  queue.entries.push(entry);
  return true;
}

/** KeRemoveDeviceQueue: the head entry (Busy stays set), or null and Busy cleared when the queue is empty. */
export function removeDeviceQueue<T>(queue: KDeviceQueue<T>): T | null {
  const entry = queue.entries.shift();
  if (entry === undefined) {
    queue.busy = false;
    return null;
  }
  return entry;
}

/** KeRemoveEntryDeviceQueue: takes `entry` out wherever it is; false when it was not queued. */
export function removeEntryDeviceQueue<T>(queue: KDeviceQueue<T>, entry: T): boolean {
  const i = queue.entries.indexOf(entry);
  if (i < 0) return false;
  queue.entries.splice(i, 1);
  return true;
}
