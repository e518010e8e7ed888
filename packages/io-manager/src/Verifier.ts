import { hex, type Machine } from '@irpsim/core';
import type { DriverObject } from './DriverObject.ts';
import type { Irp } from './Irp.ts';

/** The verifier setting (Driver Verifier's I/O verification levels). */
export type VerifierLevel = 'off' | 'standard' | 'enhanced';

/**
 * The I/O manager's verifier monitors: checks on IRP handling, hooked into IoCallDriver,
 * IoCompleteRequest and the driver-facing references. Each check has an id, a level and
 * a source (docs/verifier.md). Fatal checks raise a bug check; the others are recorded
 * as violations and the run goes on.
 */
export class Verifier {
  readonly level: VerifierLevel;
  private readonly machine: Machine;

  constructor(machine: Machine, level: VerifierLevel) {
    this.machine = machine;
    this.level = level;
    // Driver Verifier's IRQL checking is on at every level but off.
    machine.cpus.irqlChecking = level !== 'off';
  }

  get on(): boolean {
    return this.level !== 'off';
  }

  /** IO-5.15 (POLICY): a driver touched an IRP after it was completed. */
  touchedAfterCompletion(irp: Irp, driver: DriverObject | null, what: string): void {
    if (!this.on) return;
    this.machine.engine.violation(
      'irp-use-after-complete',
      'IRP touched after completion',
      `${driver?.name ?? 'a driver'} accessed ${what} of IRP ${irp.id} (${hex(irp.address)}) after it was completed (IO-5.15)`,
    );
  }

  /** 0xC9 I/O verification errors: fatal ones stop the run. */
  ioViolation(subcode: number, fatal: boolean, name: string, message: string, irp: Irp, driver: DriverObject | null): void {
    if (fatal) {
      this.machine.bugcheck({
        code: 0xc9,
        name: 'DRIVER_VERIFIER_IOMANAGER_VIOLATION',
        params: [subcode, irp.address, 0, 0],
        message,
        ...(driver !== null ? { driver: driver.name } : {}),
      });
    }
    this.machine.engine.violation(`0xC9/${hex(subcode)}`, name, message);
  }
}
