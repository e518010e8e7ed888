import type { Engine } from '../Engine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { PRIORITY, type Routine } from '../Task.ts';
import { mapGenericAccess } from './access.ts';
import type { HandleTable } from './HandleTable.ts';
import { KObject } from './KObject.ts';
import type { ObjectType } from './ObjectType.ts';

export interface DirectoryBody {
  readonly entries: Map<string, KObject>;
}
export interface SymbolicLinkBody {
  target: string;
}

const ALL = 0x001f0003;
export const DirectoryType: ObjectType = {
  name: 'Directory',
  genericMapping: { read: 0x20003, write: 0x2000c, execute: 0x20003, all: 0xf000f },
};
export const SymbolicLinkType: ObjectType = {
  name: 'SymbolicLink',
  genericMapping: { read: 0x20001, write: 0x20000, execute: 0x20001, all: ALL },
};

/** What a name lookup found. */
export interface LookupResult {
  readonly status: NtStatus;
  readonly object: KObject | null;
  /** The part of the name past the object (a device's `\sub`), or ''. */
  readonly remaining: string;
  /** Each name the lookup passed through, symbolic links resolved: `\??\Hello`, `\Device\Hello`. */
  readonly path: readonly string[];
}

export interface ReferenceResult {
  readonly status: NtStatus;
  readonly object: KObject | null;
  readonly access: number;
}

const MAX_REPARSE = 32;

/**
 * The object manager: the namespace (directories and symbolic links), object lifetimes
 * (handle count and reference count, kept apart) and handle tables.
 */
export class ObjectManager {
  readonly root: KObject<DirectoryBody>;
  private nextId = 1;
  /** Types whose objects take the rest of a name (devices: `\Device\Foo\sub`). */
  private readonly parseTypes = new Set<ObjectType>();

  private readonly engine: Engine;

  constructor(engine: Engine) {
    this.engine = engine;
    this.root = this.create(DirectoryType, { entries: new Map() });
    this.root.name = '\\';
    this.root.permanent = true;
  }

  create<T>(type: ObjectType, body: T): KObject<T> {
    return new KObject(this.nextId++, type, body);
  }

  /** Marks a type whose objects accept a remaining name (the I/O manager's devices). */
  acceptsRemainingName(type: ObjectType): void {
    this.parseTypes.add(type);
  }

  /** Creates `path` as a permanent directory (parents must exist). */
  createDirectory(path: string): KObject<DirectoryBody> {
    const dir = this.create<DirectoryBody>(DirectoryType, { entries: new Map() });
    const status = this.insert(dir, path, true);
    if (status !== STATUS.SUCCESS) throw new Error(`cannot create directory ${path}: ${status}`);
    return dir;
  }

  createSymbolicLink(path: string, target: string): NtStatus {
    const link = this.create<SymbolicLinkBody>(SymbolicLinkType, { target });
    return this.insert(link, path, true);
  }

  /** Puts a named object in its directory; OBJECT_NAME_COLLISION if the name is taken. */
  insert(object: KObject, path: string, permanent: boolean): NtStatus {
    const cut = path.lastIndexOf('\\');
    const leaf = path.slice(cut + 1);
    if (leaf === '') return STATUS.OBJECT_NAME_INVALID;
    const parentPath = cut <= 0 ? '\\' : path.slice(0, cut);
    const parent = this.lookup(parentPath);
    if (parent.object === null) return STATUS.OBJECT_PATH_NOT_FOUND;
    if (parent.object.type !== DirectoryType || parent.remaining !== '') return STATUS.OBJECT_PATH_NOT_FOUND;
    const entries = (parent.object.body as DirectoryBody).entries;
    const key = leaf.toLowerCase();
    if (entries.has(key)) return STATUS.OBJECT_NAME_COLLISION;
    entries.set(key, object);
    const dirName = parent.path[parent.path.length - 1] ?? '\\';
    object.name = dirName === '\\' ? `\\${leaf}` : `${dirName}\\${leaf}`;
    object.permanent = permanent;
    if (this.engine.trace.on) {
      this.engine.trace.emit({ type: 'ob.insert', object: object.id, name: object.name, objectType: object.type.name });
    }
    return STATUS.SUCCESS;
  }

  /**
   * Resolves a name (io-semantics.md IO-9.1, IO-9.2). Symbolic links are followed; a
   * name continuing past an object of a parse type is returned as `remaining`.
   */
  lookup(name: string, options: { openLink?: boolean } = {}): LookupResult {
    const path: string[] = [];
    let current = name;
    for (let reparse = 0; reparse <= MAX_REPARSE; reparse++) {
      path.push(current);
      if (!current.startsWith('\\')) return { status: STATUS.OBJECT_NAME_INVALID, object: null, remaining: '', path };
      if (current === '\\') return { status: STATUS.SUCCESS, object: this.root, remaining: '', path };
      const parts = current.slice(1).split('\\');
      let object: KObject = this.root;
      let followed: string | null = null;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        if (object.type !== DirectoryType) {
          const remaining = '\\' + parts.slice(i).join('\\');
          if (this.parseTypes.has(object.type)) return { status: STATUS.SUCCESS, object, remaining, path };
          return { status: STATUS.OBJECT_PATH_NOT_FOUND, object: null, remaining: '', path };
        }
        if (part === '') return { status: STATUS.OBJECT_NAME_INVALID, object: null, remaining: '', path };
        const child = (object.body as DirectoryBody).entries.get(part.toLowerCase());
        const last = i === parts.length - 1;
        if (child === undefined) {
          const status = last ? STATUS.OBJECT_NAME_NOT_FOUND : STATUS.OBJECT_PATH_NOT_FOUND;
          return { status, object: null, remaining: '', path };
        }
        if (child.type === SymbolicLinkType && !(last && options.openLink === true)) {
          const rest = parts.slice(i + 1).join('\\');
          followed = (child.body as SymbolicLinkBody).target + (rest === '' ? '' : '\\' + rest);
          break;
        }
        object = child;
      }
      if (followed === null) {
        return { status: STATUS.SUCCESS, object, remaining: '', path };
      }
      current = followed;
    }
    return { status: STATUS.OBJECT_NAME_NOT_FOUND, object: null, remaining: '', path };
  }

  reference(object: KObject): void {
    object.refCount++;
  }

  /**
   * Drops a reference; the last one deletes the object, running its type's delete hook
   * in the caller's context (at PASSIVE_LEVEL, as ObDereferenceObject does).
   */
  *dereference(object: KObject): Routine<void> {
    if (--object.refCount > 0) return;
    yield* this.deleteObject(object);
  }

  /**
   * Drops a reference from a context that cannot run the delete hook (DISPATCH_LEVEL):
   * the deletion is handed to a system worker, as Windows defers it.
   */
  dereferenceDeferred(object: KObject): void {
    if (--object.refCount > 0) return;
    const self = this;
    this.engine.spawn(
      (function* () {
        yield* self.deleteObject(object);
      })(),
      { kind: 'work', name: `delete ${object.type.name} #${object.id}`, priority: PRIORITY.thread },
    );
  }

  /** Opens a handle: one more handle and one more reference. */
  openHandle(table: HandleTable, processId: number, object: KObject, desiredAccess: number): number {
    const access = mapGenericAccess(object.type, desiredAccess);
    object.handleCount++;
    object.refCount++;
    const handle = table.insert({ object, access });
    if (this.engine.trace.on) {
      this.engine.trace.emit({
        type: 'handle.open',
        pid: processId,
        handle,
        object: object.id,
        name: object.name,
        objectType: object.type.name,
        access,
      });
    }
    return handle;
  }

  /**
   * Closes a handle. The last handle runs the type's last-handle hook (for files,
   * IRP_MJ_CLEANUP) and then the reference the handle held is dropped.
   */
  *closeHandle(table: HandleTable, processId: number, handle: number): Routine<NtStatus> {
    const entry = table.remove(handle);
    if (entry === undefined) return STATUS.INVALID_HANDLE;
    const object = entry.object;
    if (this.engine.trace.on) {
      this.engine.trace.emit({ type: 'handle.close', pid: processId, handle, object: object.id, name: object.name });
    }
    if (--object.handleCount === 0) {
      if (!object.permanent) this.removeName(object);
      if (object.type.onLastHandle !== undefined) yield* object.type.onLastHandle(object, processId);
    }
    yield* this.dereference(object);
    return STATUS.SUCCESS;
  }

  /**
   * ObReferenceObjectByHandle: looks the handle up, checks its type and (for user-mode
   * callers) its granted access, and takes a reference.
   */
  referenceByHandle(
    table: HandleTable,
    handle: number,
    desiredAccess: number,
    type: ObjectType | null,
    mode: 'user' | 'kernel',
  ): ReferenceResult {
    const entry = table.get(handle);
    if (entry === undefined) return { status: STATUS.INVALID_HANDLE, object: null, access: 0 };
    if (type !== null && entry.object.type !== type) {
      return { status: STATUS.OBJECT_TYPE_MISMATCH, object: null, access: 0 };
    }
    if (mode === 'user') {
      const wanted = mapGenericAccess(entry.object.type, desiredAccess);
      if ((entry.access & wanted) >>> 0 !== wanted) return { status: STATUS.ACCESS_DENIED, object: null, access: 0 };
    }
    entry.object.refCount++;
    return { status: STATUS.SUCCESS, object: entry.object, access: entry.access };
  }

  /** Makes a permanent object temporary again (ObMakeTemporaryObject). */
  makeTemporary(object: KObject): void {
    object.permanent = false;
    if (object.handleCount === 0) this.removeName(object);
  }

  private *deleteObject(object: KObject): Routine<void> {
    this.removeName(object);
    object.deleted = true;
    if (this.engine.trace.on) {
      this.engine.trace.emit({ type: 'ob.delete', object: object.id, name: object.name, objectType: object.type.name });
    }
    if (object.type.onDelete !== undefined) yield* object.type.onDelete(object);
  }

  private removeName(object: KObject): void {
    if (object.name === null || object.permanent) return;
    const cut = object.name.lastIndexOf('\\');
    const parent = this.lookup(cut <= 0 ? '\\' : object.name.slice(0, cut), { openLink: true }).object;
    if (parent !== null && parent.type === DirectoryType) {
      const entries = (parent.body as DirectoryBody).entries;
      const key = object.name.slice(cut + 1).toLowerCase();
      if (entries.get(key) === object) entries.delete(key);
    }
  }
}

