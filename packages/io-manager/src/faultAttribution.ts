import type { Routine, Thread } from '@irpsim/core';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';

/**
 * A work item's routine, run as `driver`'s code (item 6 of the verifier area): the work
 * item runs in a shared System worker thread, so the driver is noted while it runs and,
 * when an exception leaves it, for the fault report. Work items are not on the IRP hot
 * path, so the extra generator frame is cheap here.
 */
export function attributed(io: IoManager, driver: DriverObject, routine: (thread: Thread) => Routine<void>): (thread: Thread) => Routine<void> {
  return function* (thread) {
    const running = io.enterDriver(driver);
    try {
      yield* routine(thread);
    } catch (error) {
      io.faultIn(driver, error);
      throw error;
    } finally {
      io.leaveDriver(running);
    }
  };
}
