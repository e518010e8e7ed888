import type { ActionDef } from './ActionEnv.ts';
import { checkDriverSaw, compileDriverSaw, driverSawSchema, watchDriver } from './driverSaw.ts';
import { FILE_ACTIONS } from './fileActions.ts';
import { OBJECT_ACTIONS } from './objectActions.ts';

/**
 * `open` and `nt-open` with `driverSaw`: the IRP_MJ_CREATE as the top driver's dispatch
 * routine received it — its device, FileObject->FileName (the part of the name after the
 * device, IO-9.3), the thread and mode it ran in (IO-10.1), RequestorMode.
 */
function sawCreate(def: ActionDef): ActionDef {
  return {
    ...def,
    expect: { ...def.expect, driverSaw: driverSawSchema },
    compile(action, path, env, what) {
      const expect = compileDriverSaw(((action['expect'] ?? {}) as Record<string, unknown>)['driverSaw'], [...path, 'expect', 'driverSaw'], env);
      const step = def.compile(action, path, env, what);
      if (expect === null) return step;
      return function* (t) {
        const watch = watchDriver(t);
        try {
          yield* step(t);
        } finally {
          watch.stop(); // a thread ended inside the call must not leave the listener behind
        }
        checkDriverSaw(t, what, expect, watch.stop(), { input: 0, output: 0 });
      };
    },
  };
}

export const OPEN_DRIVER_SAW_ACTIONS = { open: sawCreate(FILE_ACTIONS.open), 'nt-open': sawCreate(OBJECT_ACTIONS['nt-open']) } as const;
