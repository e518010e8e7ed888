import type { ActionDef } from './ActionEnv.ts';
import { APC_COMPLETION_ACTIONS } from './apcCompletionActions.ts';
import { CANCEL_ACTIONS } from './cancelActions.ts';
import { FILE_ACTIONS } from './fileActions.ts';
import { KERNEL_ACTIONS } from './kernelActions.ts';
import { HANDLE_ACTIONS } from './handleActions.ts';
import { MEMORY_ACTIONS } from './memoryActions.ts';
import { OBJECT_ACTIONS } from './objectActions.ts';
import { PORT_ACTIONS } from './portActions.ts';
import { READ_WRITE_ACTIONS } from './readWriteActions.ts';
import { SIGNALLED_AFTER_ACTIONS } from './signalledAfter.ts';
import { NT_IO_ACTIONS } from './ntIoActions.ts';
import { NT_COMPLETION_ACTIONS } from './ntCompletionActions.ts';
import { LAST_ERROR_ACTIONS } from './lastErrorActions.ts';
import { APCS_ACTIONS } from './apcsExpectation.ts';
import { IOSB_AFTER_ACTIONS } from './iosbAfter.ts';
import { OPEN_DRIVER_SAW_ACTIONS } from './openDriverSaw.ts';
import { MARK_ACTIONS } from './markAction.ts';
import { SECTION_ACTIONS } from './sectionActions.ts';
import { SYNC_ACTIONS } from './syncActions.ts';
import { THREAD_ACTIONS } from './threadActions.ts';
import { UNLOAD_ACTIONS } from './unloadActions.ts';
import { WAIT_ACTIONS } from './waitActions.ts';
import { withZwForms } from './zwActions.ts';

const USER_ACTIONS: Readonly<Record<string, ActionDef>> = {
  ...FILE_ACTIONS,
  ...OBJECT_ACTIONS,
  ...MEMORY_ACTIONS,
  ...SECTION_ACTIONS,
  ...SYNC_ACTIONS,
  ...WAIT_ACTIONS,
  ...THREAD_ACTIONS,
  ...READ_WRITE_ACTIONS,
  ...PORT_ACTIONS,
  ...CANCEL_ACTIONS,
  ...APC_COMPLETION_ACTIONS,
  ...HANDLE_ACTIONS,
  ...UNLOAD_ACTIONS,
  ...SIGNALLED_AFTER_ACTIONS, // the same verbs, with `signalled` (vocabulary gaps, issue #7)
  ...NT_IO_ACTIONS,
  ...NT_COMPLETION_ACTIONS,
  ...LAST_ERROR_ACTIONS,
  ...APCS_ACTIONS, // the waits again, with `apcs`
  ...IOSB_AFTER_ACTIONS, // inspect and cancel-synchronous-io, with `iosb`
  ...OPEN_DRIVER_SAW_ACTIONS, // open and nt-open, with `driverSaw`
  ...MARK_ACTIONS,
  ...KERNEL_ACTIONS, // kernel: true threads only (loadScenario checks)
};

/**
 * Every action a scenario can use today, by verb: one definition gives the schema and the
 * compiler. open, close, ioctl, read, write and alloc compile to their Zw forms in a
 * `kernel: true` thread (zwActions.ts).
 */
export const ACTIONS: Readonly<Record<string, ActionDef>> = { ...USER_ACTIONS, ...withZwForms(USER_ACTIONS) };

/**
 * Actions the vocabulary defines (docs/scenario-format.md) that later issues implement:
 * naming them gives a clear "not available yet" instead of "unknown action".
 */
export const PLANNED: Readonly<Record<string, string>> = {};
