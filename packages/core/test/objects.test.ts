import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Machine, STATUS, firstCome, type KObject, type ObjectType } from '../src/index.ts';

type Op = 'open' | 'duplicate' | 'close' | 'reference' | 'dereference';

describe('object lifetime: handle count and reference count kept apart', () => {
  it('for random open / duplicate / close / reference / dereference sequences, the last-handle hook fires exactly once when the handle count reaches zero and the last-reference hook exactly once when the reference count reaches zero, never earlier', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Op>('open', 'duplicate', 'close', 'reference', 'dereference'), { maxLength: 40 }), (ops) => {
        const machine = new Machine({ strategy: firstCome() });
        const fired: { hook: string; handles: number; refs: number }[] = [];
        let model = { handles: 0, refs: 1, everHandle: false };
        const type: ObjectType = {
          name: 'Widget',
          genericMapping: { read: 1, write: 2, execute: 4, all: 7 },
          *onLastHandle(o) {
            fired.push({ hook: 'last-handle', handles: o.handleCount, refs: o.refCount });
          },
          *onDelete(o) {
            fired.push({ hook: 'delete', handles: o.handleCount, refs: o.refCount });
          },
        };
        machine.createSystemThread('ops', function* (thread) {
          const object: KObject = machine.objects.create(type, {});
          const handles: number[] = [];
          for (const op of ops) {
            const deleted = model.refs === 0;
            if (deleted) break;
            if (op === 'open' || op === 'duplicate') {
              // A handle can only be opened while the object lives and has never lost all its handles.
              if (model.everHandle && model.handles === 0) continue;
              if (op === 'duplicate' && handles.length === 0) continue;
              handles.push(machine.objects.openHandle(thread.process.handles, thread.process.id, object, 7));
              model = { handles: model.handles + 1, refs: model.refs + 1, everHandle: true };
            } else if (op === 'close') {
              const h = handles.pop();
              if (h === undefined) continue;
              const before = fired.length;
              yield* machine.objects.closeHandle(thread.process.handles, thread.process.id, h);
              model = { ...model, handles: model.handles - 1, refs: model.refs - 1 };
              // The hook fired in this call iff this was the last handle.
              expect(fired.slice(before).some((f) => f.hook === 'last-handle')).toBe(model.handles === 0);
            } else if (op === 'reference') {
              machine.objects.reference(object);
              model = { ...model, refs: model.refs + 1 };
            } else {
              if (model.refs - model.handles <= 0) continue;
              yield* machine.objects.dereference(object);
              model = { ...model, refs: model.refs - 1 };
            }
            expect(object.handleCount).toBe(model.handles);
            expect(object.refCount).toBe(model.refs);
            expect(fired.filter((f) => f.hook === 'delete')).toHaveLength(model.refs === 0 ? 1 : 0);
          }
        });
        // An assertion failing inside the simulated thread would surface as a bug check.
        const run = machine.engine.run();
        expect(run.bugcheck?.analysis?.['exception'] ?? null).toBeNull();
        expect(run.outcome).toBe('completed');
        expect(fired.filter((f) => f.hook === 'last-handle').length).toBeLessThanOrEqual(1);
        expect(fired.filter((f) => f.hook === 'delete').length).toBeLessThanOrEqual(1);
        for (const f of fired) {
          if (f.hook === 'last-handle') expect(f.handles).toBe(0);
          if (f.hook === 'delete') expect([f.handles, f.refs]).toEqual([0, 0]);
        }
        if (fired.some((f) => f.hook === 'delete')) expect(fired.findIndex((f) => f.hook === 'delete')).toBe(fired.length - 1);
      }),
    );
  });
});

describe('the namespace (io-semantics.md IO-9.1, IO-9.2)', () => {
  const machine = new Machine({ strategy: firstCome() });
  const widget: ObjectType = { name: 'Widget', genericMapping: { read: 1, write: 2, execute: 4, all: 7 } };
  const w = machine.objects.create(widget, {});
  machine.objects.insert(w, '\\Device\\Foo', true);
  machine.objects.createSymbolicLink('\\??\\Foo', '\\Device\\Foo');

  it('IO-9.1 \\??\\X resolves through its symbolic link; \\DosDevices is \\??', () => {
    expect(machine.objects.lookup('\\??\\Foo')).toMatchObject({ status: STATUS.SUCCESS, object: w, path: ['\\??\\Foo', '\\Device\\Foo'] });
    expect(machine.objects.lookup('\\DosDevices\\Foo').object).toBe(w);
    expect(machine.objects.lookup('\\device\\FOO').object).toBe(w);
  });

  it('IO-9.2 a missing last component is NAME_NOT_FOUND, a missing directory PATH_NOT_FOUND, an empty component NAME_INVALID', () => {
    expect(machine.objects.lookup('\\Device\\Nope').status).toBe(STATUS.OBJECT_NAME_NOT_FOUND);
    expect(machine.objects.lookup('\\Nope\\Foo').status).toBe(STATUS.OBJECT_PATH_NOT_FOUND);
    expect(machine.objects.lookup('\\Device\\\\Foo').status).toBe(STATUS.OBJECT_NAME_INVALID);
  });

  it('a name already taken is a collision', () => {
    expect(machine.objects.insert(machine.objects.create(widget, {}), '\\Device\\Foo', true)).toBe(STATUS.OBJECT_NAME_COLLISION);
  });

  it('a symbolic-link loop ends in not found', () => {
    machine.objects.createSymbolicLink('\\??\\Loop', '\\??\\Loop');
    expect(machine.objects.lookup('\\??\\Loop').status).toBe(STATUS.OBJECT_NAME_NOT_FOUND);
  });
});
