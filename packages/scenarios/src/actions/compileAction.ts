import type { ActionDef } from './ActionEnv.ts';
import { APC_COMPLETION_ACTIONS } from './apcCompletionActions.ts';
import { CANCEL_ACTIONS } from './cancelActions.ts';
import { FILE_ACTIONS } from './fileActions.ts';
import { HANDLE_ACTIONS } from './handleActions.ts';
import { MEMORY_ACTIONS } from './memoryActions.ts';
import { OBJECT_ACTIONS } from './objectActions.ts';
import { PORT_ACTIONS } from './portActions.ts';
import { READ_WRITE_ACTIONS } from './readWriteActions.ts';
import { SIGNALLED_AFTER_ACTIONS } from './signalledAfter.ts';
import { NT_IO_ACTIONS } from './ntIoActions.ts';
import { SECTION_ACTIONS } from './sectionActions.ts';
import { SYNC_ACTIONS } from './syncActions.ts';
import { THREAD_ACTIONS } from './threadActions.ts';
import { UNLOAD_ACTIONS } from './unloadActions.ts';
import { WAIT_ACTIONS } from './waitActions.ts';

/** Every action a scenario can use today, by verb: one definition gives the schema and the compiler. */
export const ACTIONS: Readonly<Record<string, ActionDef>> = {
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
};

/**
 * Actions the vocabulary defines (docs/scenario-format.md) that later issues implement:
 * naming them gives a clear "not available yet" instead of "unknown action".
 */
export const PLANNED: Readonly<Record<string, string>> = {
  'nt-post': '[io-manager]',
  'query-notification-modes': '[io-manager]',
};
