import { formatLoadError, type LoadError } from '../format/LoadError.ts';
import { loadScenario, type LoadOptions } from '../format/loadScenario.ts';
import { defineScenario, type ScenarioDefinition } from './defineScenario.ts';
import type { ScenarioSpec } from './ScenarioSpec.ts';
import { Simulation, type SimulationOptions } from './Simulation.ts';

/** A scenario as YAML text, as loaded (`loadScenario`, `defineScenario`), or as a definition. */
export type ScenarioInput = string | ScenarioSpec | ScenarioDefinition;

export interface CreateOptions extends SimulationOptions {
  /** The file name YAML errors are reported against (default `scenario.yaml`). */
  readonly file?: string;
  /** Where `drivers: - use: NAME` looks (default: the built-in catalogue). */
  readonly catalogue?: LoadOptions['catalogue'];
}

/** Invalid YAML given to `createSimulation`: every problem, positioned. */
export class ScenarioLoadError extends Error {
  readonly errors: readonly LoadError[];

  constructor(errors: readonly LoadError[]) {
    super(errors.map(formatLoadError).join('\n'));
    this.name = 'ScenarioLoadError';
    this.errors = errors;
  }
}

/**
 * Creates a simulation, ready to step or run, from a scenario in any of its forms. YAML
 * that does not load throws a `ScenarioLoadError` listing every problem; `loadScenario`
 * gives the same errors as data without throwing.
 */
export function createSimulation(scenario: ScenarioInput, options: CreateOptions = {}): Simulation {
  const { file, catalogue, ...simulation } = options;
  if (typeof scenario === 'string') {
    const loaded = loadScenario(scenario, { file: file ?? 'scenario.yaml', ...(catalogue !== undefined ? { catalogue } : {}) });
    if (!loaded.ok) throw new ScenarioLoadError(loaded.errors);
    return new Simulation(loaded.scenario, simulation);
  }
  const spec = 'hash' in scenario ? scenario : defineScenario(scenario);
  return new Simulation(spec, simulation);
}
