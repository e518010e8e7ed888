/** The scenario runner's trace events. */
import '@irpsim/core';

declare module '@irpsim/core' {
  interface TraceEventMap {
    /** A scenario expectation was checked. */
    'scenario.expect': { description: string; passed: boolean; expected: string; actual: string };
    /** An action's `note:`, shown in the narration where the action runs. */
    'scenario.note': { text: string };
  }
}
