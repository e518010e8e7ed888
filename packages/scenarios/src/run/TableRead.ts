import { keyCount } from './frozenRecord.ts';

/**
 * One table of the state keyed by id, as it is read for a snapshot: the records in the
 * order read, and how many of them are the previous table's very objects. `table()` is
 * then the previous table itself when every record came back and none is gone, else a new
 * table. The state's tables are keyed by ids, which V8 keeps as dictionaries (a hash at
 * every insert and lookup), so a snapshot builds only the tables that changed; the
 * arrays are sized up front, as growing them cost more than filling them
 * (docs/performance.md, W9).
 */
export class TableRead<R> {
  private readonly ids: number[];
  private readonly records: R[];
  private length = 0;
  private kept = 0;

  /** `capacity`: at least as many records as will be added. */
  constructor(capacity: number) {
    this.ids = new Array<number>(capacity);
    this.records = new Array<R>(capacity);
  }

  /** The record read for `id`; `old` is the previous table's record for it, if any. */
  add(id: number, record: R, old: R | undefined): void {
    this.ids[this.length] = id;
    this.records[this.length++] = record;
    if (record === old) this.kept++;
  }

  /** The table read; `previous` when nothing in it changed. */
  table(previous: Readonly<Record<string, R>> | undefined): Readonly<Record<string, R>> {
    if (previous !== undefined && this.kept === this.length && keyCount(previous) === this.length) return previous;
    const table: Record<string, R> = {};
    for (let i = 0; i < this.length; i++) table[this.ids[i]!] = this.records[i]!;
    return table;
  }
}
