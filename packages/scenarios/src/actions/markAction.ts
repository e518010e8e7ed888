import { valueAt, type ActionDef } from './ActionEnv.ts';

/**
 * `mark: TEXT` — no API: a line in the narration and the trace at this point of the thread
 * (a `scenario.note`), which the run-level `log` orders among the drivers' DbgPrint lines.
 */
const mark: ActionDef = {
  description: 'A marker line in the narration and the trace (no API call): the run-level log expectation orders it among driver log lines.',
  value: { type: 'string', description: 'The text; ${expression} parts are replaced by their value' },
  properties: {},
  expect: {},
  call: false,
  compile(action, path, env) {
    const text = env.string(action['mark'] as string, [...path, 'mark']);
    return function* (t) {
      t.note(valueAt(text, t));
    };
  },
};

export const MARK_ACTIONS = { mark } as const;
