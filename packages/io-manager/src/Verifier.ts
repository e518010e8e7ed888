import { hex, type Machine } from '@irpsim/core';
import type { Adversaries } from './adversary/Adversaries.ts';
import type { DriverObject } from './DriverObject.ts';
import type { Irp } from './Irp.ts';
import { irpAnalysis } from './verifier/irpHistory.ts';
import { addLivenessChecks } from './verifier/liveness.ts';

/** The verifier setting (Driver Verifier's I/O verification levels). */
export type VerifierLevel = 'off' | 'standard' | 'enhanced';

/**
 * The I/O manager's verifier monitors: checks on IRP handling, hooked into IoCallDriver,
 * IoCompleteRequest, IoFreeIrp and the driver-facing references. Each check has an id, a
 * level and a source (docs/verifier.md). Fatal checks raise a bug check; the others are
 * recorded as violations and the run goes on.
 */
export class Verifier {
  readonly level: VerifierLevel;
  /**
   * Standard I/O verification (level 1 and the fatal level-2 checks) or more. A field, not
   * a getter comparing `level`: it is read on every IRP's path, and a level parsed from a
   * scenario or the command line is a string the compiler cannot compare by identity.
   */
  readonly on: boolean;
  /** Enhanced I/O verification. */
  readonly enhanced: boolean;
  /** The adversary modes switched on (adversary/installAdversaries), null when none: off by default. */
  adversaries: Adversaries | null = null;
  private readonly machine: Machine;

  /**
   * `irps` are the IRPs not yet freed (the I/O manager's table): the liveness checks look
   * at them when the run ends at quiescence (verifier/liveness.ts).
   */
  constructor(machine: Machine, level: VerifierLevel, irps: ReadonlyMap<number, Irp> = new Map()) {
    this.machine = machine;
    this.level = level;
    this.on = level !== 'off';
    this.enhanced = level === 'enhanced';
    // Driver Verifier's IRQL checking is on at every level but off.
    machine.cpus.irqlChecking = level !== 'off';
    // Monitors with an end hook only: they cost nothing while the run goes.
    if (level !== 'off') addLivenessChecks(machine, irps);
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

  /**
   * IO-5.15 (POLICY): a driver touched an IRP after its IoCallDriver returned
   * STATUS_PENDING and before its completion routine got the IRP back. IoCancelIrp is
   * exempt: a driver may cancel an IRP it created and sent down. Recorded once per IRP.
   */
  touchedAfterForward(irp: Irp, driver: DriverObject, what: string): void {
    if (!this.on || what === 'IoCancelIrp' || irp.notes['touchedAfterForward'] === true) return;
    irp.notes['touchedAfterForward'] = true; // once per IRP
    this.machine.engine.violation(
      'irp-use-after-forward',
      'IRP touched after IoCallDriver returned STATUS_PENDING',
      `${driver.name} accessed ${what} of IRP ${irp.id} (${hex(irp.address)}) after passing it down: the lower driver owns it until a completion routine returns it (IO-5.15)`,
    );
  }

  /**
   * 0xC9 I/O verification errors: fatal ones stop the run with bug check 0xC9 and the
   * parameters the bug-check page gives for the subcode (`params`, default
   * [subcode, 0, IRP, 0]: level-2 errors put the driver's code address in P2, which irpsim
   * does not have); the others are recorded as violation `0xC9/0x…`.
   */
  ioViolation(
    subcode: number,
    fatal: boolean,
    name: string,
    message: string,
    irp: Irp,
    driver: DriverObject | null,
    params: readonly [number, number, number, number] = [subcode, 0, irp.address, 0],
  ): void {
    if (fatal) {
      this.machine.bugcheck({
        code: 0xc9,
        name: 'DRIVER_VERIFIER_IOMANAGER_VIOLATION',
        params: [...params],
        message,
        ...(driver !== null ? { driver: driver.name } : {}),
        analysis: { error: subcode >= 0x200 ? `WDM DRIVER ERROR ${hex(subcode)}` : `I/O verification ${hex(subcode)}`, ...irpAnalysis(this.machine, irp) },
      });
    }
    this.machine.engine.violation(`0xC9/${hex(subcode)}`, name, message);
  }
}
