import type { ActionDef } from './ActionEnv.ts';
import { FILE_ACTIONS } from './fileActions.ts';
import { MEMORY_ACTIONS } from './memoryActions.ts';
import { SECTION_ACTIONS } from './sectionActions.ts';
import { SYNC_ACTIONS } from './syncActions.ts';
import { THREAD_ACTIONS } from './threadActions.ts';
import { WAIT_ACTIONS } from './waitActions.ts';

/** Every action a scenario can use today, by verb: one definition gives the schema and the compiler. */
export const ACTIONS: Readonly<Record<string, ActionDef>> = {
  ...FILE_ACTIONS,
  ...MEMORY_ACTIONS,
  ...SECTION_ACTIONS,
  ...SYNC_ACTIONS,
  ...WAIT_ACTIONS,
  ...THREAD_ACTIONS,
};

/**
 * Actions the vocabulary defines (docs/scenario-format.md) that later issues implement:
 * naming them gives a clear "not available yet" instead of "unknown action".
 */
export const PLANNED: Readonly<Record<string, string>> = {
  read: '[io-manager]',
  write: '[io-manager]',
  'read-ex': '[io-manager]',
  'write-ex': '[io-manager]',
  'overlapped-result': '[io-manager]',
  'create-port': '[io-manager]',
  dequeue: '[io-manager]',
  post: '[io-manager]',
  'set-notification-modes': '[io-manager]',
  'cancel-io': '[io-manager]',
  'cancel-io-ex': '[io-manager]',
  'cancel-synchronous-io': '[io-manager]',
};
