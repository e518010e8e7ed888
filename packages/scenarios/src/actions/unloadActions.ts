import { ntSuccess } from '@irpsim/core';
import { ntStatusToWin32 } from '@irpsim/io-manager';
import type { ActionDef } from './ActionEnv.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { nameSchema } from './schemaParts.ts';

/**
 * `unload-driver: Hello` — `sc stop Hello`: the service control manager's NtUnloadDriver for
 * the legacy driver whose service is named (io-manager unloadDriver.ts). TRUE when the unload
 * was accepted — DriverUnload has run, or runs when the driver's last open file object goes —
 * else FALSE with the NTSTATUS (STATUS_INVALID_DEVICE_REQUEST: no DriverUnload routine).
 */
const unloadDriver: ActionDef = {
  description:
    'sc stop NAME: NtUnloadDriver for the driver whose service is NAME. DriverUnload runs now if nothing references its devices, else when the last handle to them closes; meanwhile opens fail with STATUS_NO_SUCH_DEVICE. FALSE with STATUS_INVALID_DEVICE_REQUEST when the driver has no DriverUnload.',
  value: { ...nameSchema, description: 'The driver’s service name (Hello for \\Driver\\Hello)' },
  properties: {},
  expect: {},
  compile(action, path, env, what) {
    const name = action['unload-driver'] as string;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const status = yield* t.u._io.unloadDriver(name);
      t.u.thread.lastStatus = status;
      if (!ntSuccess(status)) t.u.SetLastError(ntStatusToWin32(status));
      checkCommon(t, what, common, ntSuccess(status));
    };
  },
};

export const UNLOAD_ACTIONS = { 'unload-driver': unloadDriver } as const;
