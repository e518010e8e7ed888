import { didYouMean } from './didYouMean.ts';
import type { Path } from './SourceMap.ts';

/**
 * `expect: { final: … }`: the state the run must leave behind (docs/scenario-format.md
 * §3.5). Each process is read when its last thread has finished — before the system closes
 * the handles it left open (IO-9.5) — or, when it is still running, at the end of the run;
 * the IRPs at the end of the run.
 */
export interface FinalExpect {
  /** IRPs allocated and not yet freed at the end of the run (null: not checked). */
  readonly irpsPending: number | null;
  /** Per process name: the handles it still had open. */
  readonly openHandles: ReadonlyMap<string, number>;
  /** Named handles (`process`, handle name) whose objects must be signalled or not. */
  readonly signalled: readonly { readonly process: string; readonly handle: string; readonly signalled: boolean }[];
}

const count = { type: 'integer', minimum: 0 } as const;

export const finalSchema = {
  type: 'object',
  description: 'The state the run leaves: IRPs not freed at the end, handles a process left open, objects signalled (docs/scenario-format.md §3.5)',
  properties: {
    irpsPending: { ...count, description: 'IRPs allocated and not yet freed when the run ends: 0 is "no IRP pending"' },
    openHandles: { type: 'object', description: 'Per process: the handles still open when its last thread finished (before its exit closes them), or at the end of the run', additionalProperties: count },
    signalled: {
      type: 'object',
      description: 'Named handles (`ev`, or `process/ev` when several processes name one): their objects signalled or not, at the same moment as openHandles',
      additionalProperties: { type: 'boolean' },
    },
  },
  additionalProperties: false,
} as const;

export interface FinalData {
  irpsPending?: number;
  openHandles?: Record<string, number>;
  signalled?: Record<string, boolean>;
}

/**
 * Checks the names in `final` against the scenario's processes and the handle names of
 * their actions. `handlesOf`: per process name, the handle names its actions define.
 */
export function compileFinal(data: FinalData, handlesOf: ReadonlyMap<string, ReadonlySet<string>>, path: Path, error: (path: Path, message: string, hint?: string | null) => void): FinalExpect {
  const processes = [...handlesOf.keys()];
  const openHandles = new Map<string, number>();
  for (const [name, n] of Object.entries(data.openHandles ?? {})) {
    if (!handlesOf.has(name)) {
      const close = didYouMean(name, processes);
      error([...path, 'openHandles', name], `no process named '${name}'`, close !== null ? `did you mean '${close}'?` : `processes: ${processes.join(', ')}`);
      continue;
    }
    openHandles.set(name, n);
  }
  const signalled: { process: string; handle: string; signalled: boolean }[] = [];
  for (const [key, wanted] of Object.entries(data.signalled ?? {})) {
    const at = [...path, 'signalled', key];
    const slash = key.indexOf('/');
    if (slash >= 0) {
      const process = key.slice(0, slash);
      const handle = key.slice(slash + 1);
      const names = handlesOf.get(process);
      if (names === undefined) error(at, `no process named '${process}'`, didYouMean(process, processes) === null ? null : `did you mean '${didYouMean(process, processes)}'?`);
      else if (!names.has(handle)) error(at, `no handle named '${handle}' in process '${process}'`, handleHint(handle, names));
      else signalled.push({ process, handle, signalled: wanted });
      continue;
    }
    const owners = processes.filter((p) => handlesOf.get(p)!.has(key));
    if (owners.length === 1) signalled.push({ process: owners[0]!, handle: key, signalled: wanted });
    else if (owners.length > 1) error(at, `the processes ${owners.join(' and ')} each name a handle '${key}'`, `say which: '${owners[0]}/${key}'`);
    else error(at, `no action names a handle '${key}'`, handleHint(key, new Set(processes.flatMap((p) => [...handlesOf.get(p)!]))));
  }
  return { irpsPending: data.irpsPending ?? null, openHandles, signalled };
}

function handleHint(name: string, names: ReadonlySet<string>): string {
  const close = didYouMean(name, names);
  if (close !== null) return `did you mean '${close}'?`;
  return names.size > 0 ? `handles: ${[...names].join(', ')}` : 'a handle is named by the `as:` of the action that opens or creates it';
}
