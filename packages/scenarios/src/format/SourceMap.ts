import { isAlias, isMap, isPair, isScalar, isSeq, visit, type Document, type LineCounter, type Node } from 'yaml';

export type Path = readonly (string | number)[];

/** Finds where a value or key of a parsed YAML document is, for error positions. */
export class SourceMap {
  private readonly doc: Document;
  private readonly lines: LineCounter;

  constructor(doc: Document, lines: LineCounter) {
    this.doc = doc;
    this.lines = lines;
  }

  /** Line and column (1-based) of the value at `path`, or of its nearest existing parent. */
  at(path: Path): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as Node | undefined;
      if (node !== undefined && node !== null && (node as { range?: unknown }).range !== undefined) return this.pos((node as Node).range![0]);
    }
    return { line: 1, col: 1 };
  }

  /** Position of the key `key` in the map at `path` (for unknown keys). */
  keyAt(path: Path, key: string): { line: number; col: number } {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (isMap(map)) {
      for (const item of map.items) {
        if (isPair(item) && isScalar(item.key) && String(item.key.value) === key && item.key.range) return this.pos(item.key.range[0]);
      }
    }
    return this.at(path);
  }

  /** The first key of the map at `path` (an action's verb). */
  firstKeyAt(path: Path): { line: number; col: number } {
    const map = this.doc.getIn(path, true);
    if (isMap(map) && map.items[0] !== undefined) {
      const key = map.items[0].key;
      if (isScalar(key) && key.range) return this.pos(key.range[0]);
    }
    return this.at(path);
  }

  /** Position of the first alias (`*name`) in the document, or 1:1. */
  firstAlias(): { line: number; col: number } {
    let found: { line: number; col: number } | null = null;
    visit(this.doc, {
      Alias: (_key, node) => {
        if (isAlias(node) && node.range && found === null) found = this.pos(node.range[0]);
        return visit.BREAK;
      },
    });
    return found ?? { line: 1, col: 1 };
  }

  /** True when the node at `path` is a sequence (for error wording). */
  isSequence(path: Path): boolean {
    return isSeq(this.doc.getIn(path, true));
  }

  private pos(offset: number): { line: number; col: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }
}
