/**
 * @irpsim/core — the discrete-event engine and the simulated machine: virtual time, the
 * scheduler and its strategies, the trace, memory, the object manager, processes,
 * threads and the system-call gate.
 */
import './coreEvents.ts';
import './cpu/cpuEvents.ts';

export { Engine, DEFAULT_BUDGET } from './Engine.ts';
export type { Budget, Monitor, Outcome, RunResult, RunStats, SpawnOptions, TaskErrorHandler, Violation } from './Engine.ts';
export { EventQueue } from './EventQueue.ts';
export { BLOCK, PRIORITY, PRIORITY_LEVELS } from './Task.ts';
export type { Effect, Routine, Task, TaskKind, TaskState } from './Task.ts';
export { Prng } from './Prng.ts';
export type { ChoiceKind, ScheduleOptions, Strategy } from './Strategy.ts';
export { firstCome } from './firstCome.ts';
export { seededRandom } from './seededRandom.ts';
export { replayChoices } from './replayChoices.ts';
// [explore] the PCT strategy
export { pct } from './pct.ts';
export type { PctOptions } from './pct.ts';
export type { Divergence, ReplayOptions, ReplayStrategy } from './replayChoices.ts';
export { Trace } from './Trace.ts';
export type { EventHook, TraceListener } from './Trace.ts';
export type { TraceEvent, TraceEventInput, TraceEventMap, TraceEventOf, TraceEventType } from './TraceEvent.ts';
export { BugCheckSignal } from './BugCheck.ts';
export type { BugCheckInfo } from './BugCheck.ts';
export { SimulationError } from './SimulationError.ts';
export type { SimulationErrorCode } from './SimulationError.ts';
export { SimException } from './SimException.ts';
export {
  STATUS,
  describeStatus,
  hex,
  ntError,
  ntInformation,
  ntSuccess,
  ntWarning,
  statusByName,
  statusName,
} from './ntstatus.ts';
export type { NtStatus } from './ntstatus.ts';
export { DEFAULT_COST_MODEL, copyCost } from './CostModel.ts';
export type { CostModel } from './CostModel.ts';
export { Machine } from './Machine.ts';
export type { FaultAnalyzer, MachineOptions, ThreadExitHook } from './Machine.ts';
export { Process } from './Process.ts';
export { Thread } from './Thread.ts';
export type { ProcessorMode, UserApc } from './Thread.ts';
export type { SystemService, SystemServiceArgs, SystemServiceName } from './SystemServices.ts';
export { Memory } from './memory/Memory.ts';
export type { AccessMode, KernelFaultHandler } from './memory/Memory.ts';
export { AddressSpace } from './memory/AddressSpace.ts';
export type { Region } from './memory/AddressSpace.ts';
export { PhysicalMemory } from './memory/PhysicalMemory.ts';
export { PageTable, type Pte } from './memory/PageTable.ts';
export {
  ALLOCATION_GRANULARITY,
  KERNEL_BASE,
  PAGE,
  PAGE_SHIFT,
  PAGE_SIZE,
  POOL_BASE,
  USER_MAX,
  USER_MIN,
  isKernelAddress,
  pageOf,
  roundUpToPage,
} from './memory/layout.ts';
export { ObjectManager, DirectoryType, SymbolicLinkType } from './objects/ObjectManager.ts';
export type { DirectoryBody, LookupResult, ReferenceResult, SymbolicLinkBody } from './objects/ObjectManager.ts';
export { KObject } from './objects/KObject.ts';
export type { GenericMapping, ObjectType } from './objects/ObjectType.ts';
export { HandleTable } from './objects/HandleTable.ts';
export type { HandleEntry } from './objects/HandleTable.ts';
export { ACCESS, mapGenericAccess } from './objects/access.ts';
export { encodeUtf8, decodeUtf8 } from './utf8.ts';
export { fnv1a64 } from './hash.ts';
export { DispatcherObject } from './dispatcher/DispatcherObject.ts';
export type { WaitBlock } from './dispatcher/DispatcherObject.ts';
export { KEvent } from './dispatcher/KEvent.ts';
export type { EventType } from './dispatcher/KEvent.ts';
export { KSemaphore } from './dispatcher/KSemaphore.ts';
export { KMutant } from './dispatcher/KMutant.ts';
export { KSignal } from './dispatcher/KSignal.ts';
export { waitForObjects, satisfyWaiters, interruptWait, tryWaitNow } from './dispatcher/waits.ts';
export type { WaitOptions } from './dispatcher/waits.ts';
export { setEvent, resetEvent, pulseEvent, releaseSemaphore, releaseMutant, abandonMutants, signalExit } from './dispatcher/events.ts';
export { ThreadTermination } from './ThreadTermination.ts';
export {
  EVENT_ACCESS,
  EventType as EventObjectType,
  MUTANT_ACCESS,
  MutantType,
  PROCESS_ACCESS,
  ProcessType,
  SEMAPHORE_ACCESS,
  SECTION_ACCESS,
  SectionType,
  SemaphoreType,
  THREAD_ACCESS,
  ThreadType,
  dispatcherOf,
} from './objects/coreTypes.ts';
export { CURRENT_PROCESS, CURRENT_THREAD } from './services/serviceHelpers.ts';
export { DUPLICATE } from './services/objectServices.ts';
export { MAXIMUM_WAIT_OBJECTS } from './services/waitServices.ts';
export { describeError } from './kernelFault.ts';
export { probeForRead, probeForWrite, USER_PROBE_LIMIT } from './memory/probe.ts';
export { Section } from './memory/Section.ts';
export { mapView, unmapView, viewsIn } from './memory/views.ts';
export type { View } from './memory/views.ts';
export type { SchedulingGate } from './SchedulingGate.ts';
export { IRQL, irqlName } from './cpu/Irql.ts';
export type { Irql } from './cpu/Irql.ts';
export { Cpu } from './cpu/Cpu.ts';
export { Processors } from './cpu/Processors.ts';
export { KDpc } from './cpu/KDpc.ts';
export type { DeferredRoutine, DpcImportance } from './cpu/KDpc.ts';
export { KInterrupt } from './cpu/KInterrupt.ts';
export type { ServiceRoutine } from './cpu/KInterrupt.ts';
export {
  KSpinLock,
  acquireSpinLock,
  releaseSpinLock,
  acquireSpinLockAtDpcLevel,
  releaseSpinLockFromDpcLevel,
} from './cpu/KSpinLock.ts';
export { synchronizeExecution } from './cpu/synchronizeExecution.ts';
export { KTimer } from './dispatcher/KTimer.ts';
export { setTimer, cancelTimer } from './cpu/timers.ts';
export { SystemWorkQueue } from './SystemWorkQueue.ts';
export type { WorkItem } from './SystemWorkQueue.ts';
