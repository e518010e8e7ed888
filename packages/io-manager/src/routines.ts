import type { NtStatus, Routine } from '@irpsim/core';
import type { Kernel } from './Kernel.ts';
import type { DeviceRef, IrpRef } from './refs.ts';

/**
 * Driver routines are generator functions, so a routine can block where Windows allows
 * it and every call into another routine (`yield* k.IoCallDriver(...)`) is a place where
 * other work may interleave. Each receives the driver's kernel API `k` first.
 *
 * A dispatch or completion routine that never waits and calls nothing that does may be a
 * plain function, as in C: it returns its NTSTATUS, or — a dispatch routine that ends by
 * passing the IRP on — the routine it ends with, `return k.IoCallDriver(lower, irp)`,
 * which is `return yield* k.IoCallDriver(lower, irp)` without a generator of its own:
 * the same steps, the same interleavings, a cheaper call (docs/writing-drivers.md).
 */
export type RoutineResult = Routine<NtStatus> | NtStatus;

/** What a routine returned is its NTSTATUS or a routine to run. */
export function isRoutineResult(returned: unknown): returned is RoutineResult {
  return typeof returned === 'number' || (returned !== null && typeof returned === 'object' && typeof (returned as { next?: unknown }).next === 'function');
}

/**
 * The error for anything else — a plain function that forgot its `return` — thrown as
 * the driver's bug, so the bug check's message names the routine.
 */
export function badRoutineResult(returned: unknown, what: string): TypeError {
  return new TypeError(`${what} returned ${returned === undefined ? 'undefined' : typeof returned}: a routine returns its NTSTATUS, or the routine it ends with (return k.IoCallDriver(lower, irp))`);
}

export type DispatchRoutine = (k: Kernel, device: DeviceRef, irp: IrpRef) => RoutineResult;

/**
 * A completion routine. `device` is the registering driver's own device, or null when
 * it owns no stack location (it built the IRP itself). Returning
 * STATUS_MORE_PROCESSING_REQUIRED stops the completion walk (IO-5.12).
 */
export type CompletionRoutine = (k: Kernel, device: DeviceRef | null, irp: IrpRef, context: unknown) => RoutineResult;

/** DriverEntry: creates devices and links, fills in the dispatch table. */
export type DriverEntry = (k: Kernel, driver: import('./refs.ts').DriverRef, registryPath: string) => Routine<NtStatus>;

/** DriverUnload. */
export type DriverUnload = (k: Kernel, driver: import('./refs.ts').DriverRef) => Routine<void>;
