import type { IoManager } from '../IoManager.ts';
import type { AdversaryMode, AdversarySettings } from './AdversaryMode.ts';

/**
 * The adversary modes a run has switched on, hung on the verifier (`io.verifier.adversaries`)
 * where the hooks in IoCallDriver and the allocation DDIs look for them.
 */
export class Adversaries {
  readonly modes: AdversarySettings;
  /** A disruption has been made and the hung-application watch runs (endHungApplications.ts). */
  watching = false;
  private readonly on: ReadonlySet<AdversaryMode>;

  constructor(modes: AdversarySettings) {
    this.modes = modes;
    this.on = new Set(modes);
  }

  has(mode: AdversaryMode): boolean {
    return this.on.has(mode);
  }
}

/** Switches the adversary modes on for the machine of `io` (none: nothing changes). */
export function installAdversaries(io: IoManager, modes: AdversarySettings): void {
  io.verifier.adversaries = modes.length === 0 ? null : new Adversaries(modes);
}
