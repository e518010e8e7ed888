import type { KObject } from './KObject.ts';

export interface HandleEntry {
  readonly object: KObject;
  /** The access granted when the handle was opened; later checks test against it. */
  readonly access: number;
}

/**
 * A process's handle table. Handle values are multiples of 4 starting at 4, as on
 * Windows; a closed slot is reused by the next open (most recently freed first).
 * Kernel handles (OBJ_KERNEL_HANDLE) live in the System process and have the high bit set.
 * The handle found last is remembered (like PageTable's last pages): a thread's requests
 * look up the same handle again and again, a hash lookup each time.
 */
export class HandleTable {
  private readonly entries = new Map<number, HandleEntry>();
  private readonly free: number[] = [];
  private next = 4;
  /** The value and entry `get` found last; -1 (no handle value) when none. */
  private lastHandle = -1;
  private lastEntry: HandleEntry | undefined = undefined;

  private readonly kernelHandles: boolean;

  constructor(kernelHandles = false) {
    this.kernelHandles = kernelHandles;
  }

  insert(entry: HandleEntry): number {
    const slot = this.free.pop() ?? this.allocate();
    const value = this.kernelHandles ? (slot | 0x80000000) >>> 0 : slot;
    this.entries.set(value, entry);
    return value;
  }

  get(handle: number): HandleEntry | undefined {
    const value = handle >>> 0;
    if (value === this.lastHandle) return this.lastEntry;
    const entry = this.entries.get(value);
    // Only a handle in the table is remembered: `remove` is then the one place to forget it.
    if (entry !== undefined) {
      this.lastHandle = value;
      this.lastEntry = entry;
    }
    return entry;
  }

  remove(handle: number): HandleEntry | undefined {
    const value = handle >>> 0;
    const entry = this.entries.get(value);
    if (entry === undefined) return undefined;
    this.entries.delete(value);
    if (value === this.lastHandle) {
      this.lastHandle = -1;
      this.lastEntry = undefined;
    }
    this.free.push(this.kernelHandles ? (value & 0x7fffffff) >>> 0 : value);
    return entry;
  }

  /** Calls `visit` for each open handle, in the order they were opened (no copy, no sort). */
  forEach(visit: (handle: number, entry: HandleEntry) => void): void {
    this.entries.forEach((entry, handle) => visit(handle, entry));
  }

  /** Open handles, in handle order. */
  handles(): number[] {
    return [...this.entries.keys()].sort((a, b) => a - b);
  }

  get size(): number {
    return this.entries.size;
  }

  private allocate(): number {
    const value = this.next;
    this.next += 4;
    return value;
  }
}
