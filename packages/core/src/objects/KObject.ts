import type { ObjectType } from './ObjectType.ts';

/**
 * The object header every kernel object has: type, name, and the two counts the object
 * manager keeps apart — open handles and references (each handle is also a reference).
 */
export class KObject<TBody = unknown> {
  handleCount = 0;
  /** Starts at 1: the creator's reference. */
  refCount = 1;
  /** Named objects stay in the namespace until their last reference goes, unless permanent. */
  permanent = false;
  /** Full path in the namespace, or null for an unnamed object. */
  name: string | null = null;
  deleted = false;

  readonly id: number;
  readonly type: ObjectType;
  body: TBody;

  constructor(id: number, type: ObjectType, body: TBody) {
    this.id = id;
    this.type = type;
    this.body = body;
  }
}
