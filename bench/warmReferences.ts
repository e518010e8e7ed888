import { CONFIG_Z } from './refModel.ts';
import { refObj } from './refObj.ts';
import { refSoa } from './refSoa.ts';

let warmed = false;

/**
 * Runs both reference loops until the JIT has optimised them (once per process), so the
 * sizing probes and the first timed runs measure optimised code.
 */
export function warmReferences(): void {
  if (warmed) return;
  for (let i = 0; i < 5; i++) {
    refSoa({ n: 100, m: 1000, ...CONFIG_Z });
    refObj({ n: 100, m: 1000, ...CONFIG_Z });
  }
  warmed = true;
}
