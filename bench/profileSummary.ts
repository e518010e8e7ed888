import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly fn: string;
  readonly file: string;
  readonly ms: number;
  readonly share: number;
}

/**
 * Self time per function of a V8 `.cpuprofile` (node --cpu-prof), summed over every node
 * with the same function name and file, largest first. Under tsx all code of a file sits
 * on one or two lines, so functions are keyed by name and file, not by line.
 */
export function profileSummary(profile: CpuProfile): SelfTime[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totals = new Map<string, { fn: string; file: string; us: number }>();
  let all = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    all += us;
    const fn = node.callFrame.functionName || '(anonymous)';
    const file = shortFile(node.callFrame.url);
    const key = `${fn}\u0000${file}`;
    const entry = totals.get(key) ?? { fn, file, us: 0 };
    entry.us += us;
    totals.set(key, entry);
  }
  return [...totals.values()]
    .sort((a, b) => b.us - a.us)
    .map((t) => ({ fn: t.fn, file: t.file, ms: t.us / 1000, share: all === 0 ? 0 : t.us / all }));
}

function shortFile(url: string): string {
  if (url === '') return '';
  const path = url.replace(/^file:\/\//, '');
  const at = path.search(/\/(packages|bench|node_modules)\//);
  return at >= 0 ? path.slice(at + 1) : path;
}

// CLI: npx tsx bench/profileSummary.ts FILE.cpuprofile [TOP]
if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: npx tsx bench/profileSummary.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 25);
  const rows = profileSummary(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile).slice(0, top);
  for (const r of rows) {
    process.stdout.write(`${r.ms.toFixed(0).padStart(8)} ms ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.fn}  ${r.file}\n`);
  }
}
