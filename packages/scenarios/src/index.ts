/**
 * @irpsim/scenarios — what people run: the scenario format and its loader, the runner,
 * and the renderers. Browser-safe; the command line lives in ../cli.
 */
import './scenarioEvents.ts';

export { loadScenario } from './format/loadScenario.ts';
export type { LoadOptions, LoadResult } from './format/loadScenario.ts';
export { driverModules } from './format/moduleDriver.ts';
export type { ModuleExports } from './format/moduleDriver.ts';
export { formatLoadError } from './format/LoadError.ts';
export type { LoadError } from './format/LoadError.ts';
export { scenarioSchema, VERBS } from './format/scenarioSchema.ts';
export { ACTIONS } from './actions/compileAction.ts';
export type { ActionDef } from './actions/ActionEnv.ts';
export { NamedValues, builtInValues } from './format/NamedValues.ts';
export { defineScenario } from './run/defineScenario.ts';
export type { ScenarioDefinition } from './run/defineScenario.ts';
export type { CountInvariant, EventPattern, EventuallyInvariant, OrderInvariant, ScenarioInvariant } from './invariants/ScenarioInvariant.ts';
export { invariantMonitor } from './invariants/invariantMonitor.ts';
export { Simulation, runScenario } from './run/Simulation.ts';
export type { SimulationOptions } from './run/Simulation.ts';
// [scenarios] the library API for tool builders (docs/api.md) and reports
export { createSimulation, ScenarioLoadError } from './run/createSimulation.ts';
export type { CreateOptions, ScenarioInput } from './run/createSimulation.ts';
export type { HandleState, IrpPage, ProcessState, SimulationState, ThreadState } from './run/SimulationState.ts';
export { IRP_PAGE_SIZE, irpOf, irpPageOf, irpsOf } from './run/SimulationState.ts';
export { applyPatches } from './run/Snapshot.ts';
export type { Patch, Snapshot } from './run/Snapshot.ts';
export { parseSnapshot, parseTrace, serializeSnapshot, serializeTrace } from './run/serialise.ts';
export { computeReport } from './report/computeReport.ts';
export { renderReport } from './report/renderReport.ts';
export { TRACE_EVENT_TYPES } from './report/eventTypes.ts';
export type { Measure, MeasureName, Report, ReportColumnSpec, ReportExpectation, ReportRows, ReportSpec } from './report/ReportSpec.ts';
export type { ExpectationResult, ScenarioResult, ScenarioStats } from './run/ScenarioResult.ts';
export { DEFAULT_EXPECT, DEFAULT_MACHINE } from './run/ScenarioSpec.ts';
export type {
  BufferSpec,
  MachineSettings,
  ProcessSpec,
  RunExpectations,
  ScenarioSpec,
  ThreadContext,
  ThreadSpec,
} from './run/ScenarioSpec.ts';
export { renderText, renderVerdict, formatTime } from './render/renderText.ts';
export type { TextOptions } from './render/renderText.ts';
export { renderJson } from './render/renderJson.ts';
export type { RunJson } from './render/renderJson.ts';
export { renderJsonl } from './render/renderJsonl.ts';
export { narrate } from './render/narrate.ts';
export { renderHistory } from './render/renderHistory.ts';
export type { HistoryOptions } from './render/renderHistory.ts';
export { renderWindbg } from './render/renderWindbg.ts';
export type { WindbgOptions } from './render/renderWindbg.ts';
export { snapshotIo } from './render/ioSnapshot.ts';
export type { DeviceView, DriverView, IoSnapshot, IrpView, StackLocationView } from './render/ioSnapshot.ts';
export { snapshotAt } from './render/snapshotAt.ts';
export { renderMermaid } from './render/renderMermaid.ts';
export { chromeJson, renderChrome } from './render/renderChrome.ts';
export type { ChromeTrace, ChromeTraceEvent } from './render/renderChrome.ts';
export { IRPSIM_VERSION, SCHEMA_VERSION } from './version.ts';
export { PLANNED } from './actions/compileAction.ts';
export { didYouMean } from './format/didYouMean.ts';
// [explore] schedule exploration, shrinking and replay tokens. fast-check is imported by
// name only, so a bundle keeps just the arbitraries (its runner reads timer globals).
export { explore, finishExploration } from './explore/explore.ts';
export type { ExploreFailure, ExploreOptions, ExploreReport } from './explore/explore.ts';
export { planExploration, strategyFor, sliceLength, runIndexAt, withAdversaries } from './explore/explorePlan.ts';
export type { ExplorePlan, PlanOptions, Shard } from './explore/explorePlan.ts';
export { exploreSlice, mergeSlices } from './explore/exploreSlice.ts';
export type { ExploreSlice, SliceFailure } from './explore/exploreSlice.ts';
export { runSeed } from './explore/runSeed.ts';
export { reduceScenario, reductionUnits, actionUnits, actionsLeft, reductionProblem, NO_REDUCTION, ReductionError } from './explore/reduceScenario.ts';
export type { Reduction } from './explore/reduceScenario.ts';
export { shrinkScenario } from './explore/shrinkScenario.ts';
export type { ScenarioShrinkOptions, ScenarioShrunk } from './explore/shrinkScenario.ts';
export { Coverage } from './explore/Coverage.ts';
export type { CoverageData, CoverageSummary } from './explore/Coverage.ts';
export type { FailedCheck } from './explore/failedCheck.ts';
export { runSchedule } from './explore/runSchedule.ts';
export type { ScheduleRun } from './explore/runSchedule.ts';
export { shrinkSchedule } from './explore/shrinkSchedule.ts';
export type { ShrinkOptions, Shrunk } from './explore/shrinkSchedule.ts';
export { lenientChoices } from './explore/lenientChoices.ts';
export { encodeSchedule, decodeSchedule, ScheduleTokenError } from './explore/scheduleToken.ts';
export type { Schedule } from './explore/scheduleToken.ts';
export { schedules, ScheduledRun } from './explore/schedules.ts';
export type { SchedulesOptions } from './explore/schedules.ts';
