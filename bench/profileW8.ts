import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { runHeldIoctls } from './runHeldIoctls.ts';

/**
 * What W8's bytes per held IRP are made of: a heap snapshot at the measuring point of two
 * runs (`--small` and `--large` IOCTLs held, after a full collection); the difference of
 * their self sizes, grouped by V8 node type and constructor name, divided by the
 * difference of the held counts, is what one more held IRP costs, kind by kind (set-up
 * cancels out). Run with
 * `node --expose-gc --import tsx bench/profileW8.ts [--small 2000] [--large 8000] [--verifier off]`.
 */
const { values } = parseArgs({
  options: {
    small: { type: 'string', default: '2000' },
    large: { type: 'string', default: '8000' },
    verifier: { type: 'string', default: 'off' },
    top: { type: 'string', default: '30' },
  },
});
const verifier = values.verifier as 'off' | 'enhanced';
const small = Number(values.small);
const large = Number(values.large);

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Self bytes by "type name" of everything alive at the measuring point of a run holding `pending` IOCTLs. */
function bytesByKind(pending: number): Map<string, number> {
  let file = '';
  runHeldIoctls({ depth: 3, threads: 4, pending, verifier, atHold: () => { file = writeHeapSnapshot(join(tmpdir(), `w8-${process.pid}-${pending}.heapsnapshot`)); } });
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  rmSync(file);
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  // V8's internal arrays (property and element stores, hash tables) are named by their first retainer: "array (Irp.stack)".
  const edgeCountAt = fields.indexOf('edge_count');
  const edgeWidth = snap.snapshot.meta.edge_fields.length;
  const edgeTypes = snap.snapshot.meta.edge_types[0];
  const owner = new Map<number, { parent: number; label: string }>();
  for (let i = 0, e = 0; i < snap.nodes.length; i += width) {
    for (let k = 0; k < snap.nodes[i + edgeCountAt]!; k++, e += edgeWidth) {
      const to = snap.edges[e + 2]!;
      const edgeType = edgeTypes[snap.edges[e]!]!;
      if (owner.has(to) || edgeType === 'weak') continue;
      owner.set(to, { parent: i, label: edgeType === 'element' || edgeType === 'hidden' ? '[]' : snap.strings[snap.edges[e + 1]!]! });
    }
  }
  const nameOf = (node: number) => {
    const type = types[snap.nodes[node + typeAt]!]!;
    return type === 'object' ? snap.strings[snap.nodes[node + nameAt]!]! : type;
  };
  /** "Irp.stack" for the elements of the array an Irp's `stack` holds. */
  const ownerLabel = (node: number): string => {
    const o = owner.get(node);
    if (o === undefined) return '?';
    const parentName = nameOf(o.parent);
    if (parentName === 'Array' || parentName === 'Object' || parentName === 'Map' || parentName === 'Set') {
      const up = owner.get(o.parent);
      if (up !== undefined) return `${nameOf(up.parent)}.${up.label}${o.label === '[]' ? '' : ` ${o.label}`}`;
    }
    return `${parentName}.${o.label}`;
  };
  const out = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const objectName = type === 'object' ? snap.strings[snap.nodes[i + nameAt]!]! : '';
    const name = objectName === 'Object' || objectName === 'Array' ? `${objectName} (${ownerLabel(i)})` : type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + nameAt]!]! : type === 'array' ? `(${ownerLabel(i)})` : '';
    const key = `${type} ${name}`.trim().slice(0, 80);
    out.set(key, (out.get(key) ?? 0) + snap.nodes[i + sizeAt]!);
  }
  return out;
}

runHeldIoctls({ depth: 3, threads: 4, pending: 1000, verifier });
const a = bytesByKind(small);
const b = bytesByKind(large);
const per = new Map<string, number>();
for (const key of new Set([...a.keys(), ...b.keys()])) per.set(key, ((b.get(key) ?? 0) - (a.get(key) ?? 0)) / (large - small));
const total = [...per.values()].reduce((s, v) => s + v, 0);
console.log(`heap snapshots at ${small} and ${large} held IOCTLs (verifier ${verifier}): ${total.toFixed(0)} B per more held IRP`);
for (const [key, bytes] of [...per].sort((x, y) => y[1] - x[1]).slice(0, Number(values.top))) {
  console.log(`${bytes.toFixed(1).padStart(8)} B  ${key}`);
}
