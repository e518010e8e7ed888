import { KDpc, KInterrupt, Thread, type DeferredRoutine, type ServiceRoutine } from '@irpsim/core';
import type { DriverObject } from '../DriverObject.ts';
import type { IoManager } from '../IoManager.ts';

/**
 * Bug check 0xCE DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (verifier-and-objects.md
 * A.4, C.7; invariant 19): code of a driver ran after its image was unloaded — a DPC a timer
 * queued, an interrupt still connected, a queued work item, a system thread still alive.
 * Windows stops at the fetch from the unloaded image; its parameters are the address
 * referenced, 0 (read: an instruction fetch), the address that referenced it (the same: the
 * routine itself) and 0 (reserved).
 */
export function unloadedCodeRan(io: IoManager, driver: DriverObject, what: string, routine: string | null): never {
  const address = imageAddress(driver, routine);
  return io.machine.bugcheck({
    code: 0xce,
    name: 'DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS',
    params: [address, 0, address, 0],
    message: `${driver.name} was unloaded leaving ${what}, and its code ran in the unloaded image: DriverUnload must cancel it, or wait for it to finish`,
    driver: driver.name,
    analysis: { unloaded: driver.name, object: what, routine },
  });
}

/**
 * After DriverUnload returns, the image is gone: every DPC and ISR the driver made now jumps
 * to freed code (0xCE when it runs), and a system thread of its that has not exited will
 * (it resumes into the image), so that one is reported at once — a choice, since Windows
 * crashes only when the thread next runs (docs/semantics.md "Driver unload"). Work items
 * are caught where they enter the driver (IoManager.enterDriver).
 */
export function trapUnloadedCode(io: IoManager, driver: DriverObject): void {
  for (const made of driver.made) {
    if (made instanceof Thread && made.exited.signalState === 0 && made !== io.machine.currentThreadOrNull()) {
      unloadedCodeRan(io, driver, `system thread ${made.name} still running`, null);
    }
  }
  for (const made of driver.made) {
    if (made instanceof KDpc) {
      const routine = made.routine.name || 'routine';
      // Queued now, or later by a timer left armed, an ISR or another driver.
      const when = made.queuedOn !== null ? 'queued at the unload' : 'queued after it by a timer left armed or an ISR';
      const trap: DeferredRoutine = function* () {
        unloadedCodeRan(io, driver, `DPC ${made.name} (${when})`, routine);
      };
      (made as { routine: DeferredRoutine }).routine = trap;
    } else if (made instanceof KInterrupt) {
      const routine = made.isr.name || 'routine';
      const trap: ServiceRoutine = function* () {
        return unloadedCodeRan(io, driver, `interrupt ${made.name} connected (its ISR ran)`, routine);
      };
      (made as { isr: ServiceRoutine }).isr = trap;
    }
  }
}

/**
 * An address in the driver's image, as the `!drvobj` / `!irp` renderer labels a routine
 * `Driver!name` (scenarios/src/render/windbgAddresses.ts `routineAddress`, the image numbered
 * by the driver object's id): the image base alone when the routine is not known.
 */
export function imageAddress(driver: DriverObject, routine: string | null): number {
  const base = (0x8c000000 + driver.object.id * 0x10000) >>> 0;
  if (routine === null) return base;
  let h = 0x811c9dc5;
  for (let i = 0; i < routine.length; i++) {
    h ^= routine.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (base + 0x1000 + ((h & 0xfff) << 4)) >>> 0;
}
