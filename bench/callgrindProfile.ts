import { readFileSync } from 'node:fs';

/**
 * Instructions per function from a callgrind output written with `--dump-instr=yes`,
 * with code named from V8's `--perf-basic-prof` map where it has an entry (JIT code and
 * builtins), else by callgrind's symbol
 * (/tmp/perf-PID.map: "start size name" per line). Self cost only: the inclusive cost
 * callgrind writes after each `calls=` line is skipped.
 */
export function callgrindProfile(callgrindText: string, perfMapText: string): Map<string, number> {
  const code = perfMapText
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      return { start: parseInt(start!, 16), size: parseInt(size!, 16), name: name.join(' ') };
    })
    .sort((a, b) => a.start - b.start);
  const nameAt = (address: number): string | null => {
    let lo = 0;
    let hi = code.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (code[mid]!.start <= address) lo = mid + 1;
      else hi = mid - 1;
    }
    const entry = code[hi];
    return entry !== undefined && address < entry.start + entry.size ? entry.name : null;
  };
  // callgrind compresses names: "(12) name" the first time, "(12)" afterwards.
  const names = new Map<string, string>();
  const name = (kind: string, spec: string): string => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(spec.trim());
    if (match === null) return spec.trim();
    const key = `${kind}${match[1]}`;
    if (match[2] !== undefined) names.set(key, match[2]);
    return names.get(key) ?? '?';
  };
  const costs = new Map<string, number>();
  let fn = '?';
  let address = 0;
  let afterCalls = false;
  for (const line of callgrindText.split('\n')) {
    const eq = line.indexOf('=');
    const head = eq > 0 ? line.slice(0, eq) : '';
    if (head === 'fn') fn = name('fn', line.slice(eq + 1));
    else if (head === 'cfn') name('fn', line.slice(eq + 1));
    else if (head === 'ob' || head === 'cob') name('ob', line.slice(eq + 1));
    else if (head === 'fl' || head === 'fi' || head === 'fe' || head === 'cfi' || head === 'cfl') name('fl', line.slice(eq + 1));
    else if (head === 'calls') afterCalls = true;
    else if (/^[+\-0]/.test(line)) {
      const [position, , cost] = line.split(' ');
      if (position!.startsWith('0x')) address = parseInt(position!, 16);
      else if (position!.startsWith('+')) address += Number(position!.slice(1));
      else if (position!.startsWith('-')) address -= Number(position!.slice(1));
      if (afterCalls) {
        afterCalls = false;
        continue;
      }
      if (cost === undefined) continue;
      // The perf map first: it names V8's builtins by their exact ranges, where the symbol
      // table of the node binary leaves some of them to the symbol before.
      const key = nameAt(address) ?? (fn.startsWith('0x') || fn === '???' || fn === '?' ? '(unknown code)' : fn);
      costs.set(key, (costs.get(key) ?? 0) + Number(cost));
    }
  }
  return costs;
}

/** Reads a callgrind file and its perf map. */
export function readCallgrindProfile(callgrindFile: string, perfMapFile: string): Map<string, number> {
  return callgrindProfile(readFileSync(callgrindFile, 'utf8'), readFileSync(perfMapFile, 'utf8'));
}
