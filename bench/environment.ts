import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface Environment {
  readonly cpu: string;
  readonly cores: number;
  readonly os: string;
  readonly node: string;
  readonly date: string;
  readonly commit: string;
  /** Uncommitted changes in the work tree when the bench ran. */
  readonly dirty: boolean;
  /** node --expose-gc: a collection runs before every timed run. */
  readonly exposeGc: boolean;
}

/** Where and when the bench ran: machine, Node, date and git commit. */
export function environment(): Environment {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short=12', 'HEAD']) ?? 'unknown',
    dirty: (git(['status', '--porcelain']) ?? '') !== '',
    exposeGc: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
