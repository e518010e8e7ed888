import type { TraceEvent, TraceListener } from '@irpsim/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  applyPatches,
  computeReport,
  createSimulation,
  parseSnapshot,
  parseTrace,
  renderReport,
  runScenario,
  serializeSnapshot,
  serializeTrace,
  Simulation,
  type CreateOptions,
  type IrpView,
  type LoadError,
  type Patch,
  type Report,
  type ReportSpec,
  type ScenarioDefinition,
  type ScenarioInput,
  type ScenarioLoadError,
  type ScenarioResult,
  type ScenarioSpec,
  type SimulationState,
  type Snapshot,
} from '../src/index.ts';

/**
 * The public API's types (docs/api.md): `tsc -b` checks these assertions, vitest runs the
 * file so a removed export also fails at run time.
 */
describe('the library API types', () => {
  it('createSimulation takes YAML text, a loaded scenario or a definition, and options', () => {
    expectTypeOf(createSimulation).parameter(0).toEqualTypeOf<ScenarioInput>();
    expectTypeOf<ScenarioInput>().toEqualTypeOf<string | ScenarioSpec | ScenarioDefinition>();
    expectTypeOf(createSimulation).parameter(1).toEqualTypeOf<CreateOptions | undefined>();
    expectTypeOf(createSimulation).returns.toEqualTypeOf<Simulation>();
    expectTypeOf<CreateOptions['patches']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<CreateOptions['listener']>().toEqualTypeOf<TraceListener | undefined>();
    expectTypeOf<CreateOptions['seed']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ScenarioLoadError['errors'][number]>().toEqualTypeOf<LoadError>();
    expectTypeOf<LoadError>().toEqualTypeOf<{ readonly file: string; readonly line: number; readonly col: number; readonly message: string; readonly hint: string | null }>();
  });

  it('a simulation steps, runs, observes, inspects and snapshots', () => {
    expectTypeOf<Simulation['step']>().toEqualTypeOf<() => boolean>();
    expectTypeOf<Simulation['run']>().toEqualTypeOf<() => ScenarioResult>();
    expectTypeOf<Simulation['runTo']>().toEqualTypeOf<(seq: number) => boolean>();
    expectTypeOf<Simulation['result']>().toEqualTypeOf<() => ScenarioResult>();
    expectTypeOf<Simulation['done']>().toEqualTypeOf<boolean>();
    expectTypeOf<Simulation['now']>().toEqualTypeOf<number>();
    expectTypeOf<Simulation['seq']>().toEqualTypeOf<number>();
    expectTypeOf<Simulation['events']>().toEqualTypeOf<readonly TraceEvent[]>();
    expectTypeOf<Simulation['subscribe']>().toEqualTypeOf<(listener: TraceListener) => { unsubscribe(): void }>();
    expectTypeOf<Simulation['inspect']>().toEqualTypeOf<() => SimulationState>();
    expectTypeOf<Simulation['snapshot']>().toEqualTypeOf<() => Snapshot>();
    expectTypeOf(runScenario).returns.toEqualTypeOf<{ result: ScenarioResult; events: readonly TraceEvent[] }>();
  });

  it('the state is plain readonly data keyed by id (IRPs in pages of ids); snapshots carry patches or null', () => {
    expectTypeOf<SimulationState['irps']>().toEqualTypeOf<Readonly<Record<string, readonly (IrpView | null)[]>>>();
    expectTypeOf<SimulationState['threads'][string]['name']>().toEqualTypeOf<string>();
    expectTypeOf<SimulationState['processes'][string]['exitStatus']>().toEqualTypeOf<number | null>();
    expectTypeOf<Snapshot['state']>().toEqualTypeOf<SimulationState>();
    expectTypeOf<Snapshot['patches']>().toEqualTypeOf<readonly Patch[] | null>();
    expectTypeOf<Snapshot['inversePatches']>().toEqualTypeOf<readonly Patch[] | null>();
    expectTypeOf(applyPatches).toEqualTypeOf<(state: SimulationState, patches: readonly Patch[]) => SimulationState>();
    const state = {} as SimulationState;
    // @ts-expect-error — the state is readonly
    state.seq = 1;
  });

  it('serialisation is text in, plain data out', () => {
    expectTypeOf(serializeTrace).toEqualTypeOf<(events: readonly TraceEvent[]) => string>();
    expectTypeOf(parseTrace).toEqualTypeOf<(text: string) => TraceEvent[]>();
    expectTypeOf(serializeSnapshot).toEqualTypeOf<(snapshot: Snapshot) => string>();
    expectTypeOf(parseSnapshot).toEqualTypeOf<(text: string) => Snapshot>();
  });

  it('a result carries its report; reports compute and render from plain data', () => {
    expectTypeOf<ScenarioResult['report']>().toEqualTypeOf<Report | null>();
    expectTypeOf<Report['table'][number][number]>().toEqualTypeOf<string | number | null>();
    expectTypeOf(computeReport).parameter(0).toEqualTypeOf<ReportSpec>();
    expectTypeOf(computeReport).parameter(1).toEqualTypeOf<readonly TraceEvent[]>();
    expectTypeOf(computeReport).returns.toEqualTypeOf<Report>();
    expectTypeOf(renderReport).toEqualTypeOf<(report: Report) => string[]>();
    expectTypeOf<ScenarioDefinition['report']>().toEqualTypeOf<ReportSpec | undefined>();
  });
});
