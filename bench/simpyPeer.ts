import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RefConfig, RefResult } from './refModel.ts';

/** Debian's interpreter, where python3-simpy3 installs; the python3 on PATH may be another. */
export const SIMPY_PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./simpy_peer.py', import.meta.url));

export interface SimpyResult extends RefResult {
  readonly simpyVersion: string;
  readonly python: string;
}

/** SimPy's version when `/usr/bin/python3 -c 'import simpy'` works, else null. */
export function simpyVersion(): string | null {
  const probe = spawnSync(SIMPY_PYTHON, ['-c', 'import simpy; print(simpy.__version__)'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/**
 * Runs the SimPy peer (bench/simpy_peer.py) on the §2.1 model in a child process. Its time
 * is the peer's own, around `env.run()`: interpreter start-up is not counted.
 */
export function runSimpyPeer(config: RefConfig): SimpyResult {
  const args = [SCRIPT, '--n', String(config.n), '--m', String(config.m), '--d', String(config.d), '--s', String(config.s)];
  const child = spawnSync(SIMPY_PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`SimPy peer failed (${child.status}): ${child.stderr.trim()}`);
  const out = JSON.parse(child.stdout) as {
    irps: number;
    events: number;
    endTime: number;
    checksum: number;
    seconds: number;
    simpyVersion: string;
    python: string;
  };
  return {
    engine: 'simpy-irp',
    irps: out.irps,
    events: out.events,
    endTime: out.endTime,
    checksum: out.checksum,
    seconds: out.seconds,
    simpyVersion: out.simpyVersion,
    python: out.python,
  };
}
