import type { Path } from '../format/SourceMap.ts';
import type { ActionData, CompileEnv, Step } from './ActionEnv.ts';
import { compileClose } from './close.ts';
import { compileIoctl } from './ioctl.ts';
import { compileOpen } from './open.ts';

type Compiler = (action: ActionData, path: Path, env: CompileEnv, what: string) => Step;

/** Every action a scenario can use today, by verb. */
export const COMPILERS: Readonly<Record<string, Compiler>> = {
  open: compileOpen,
  close: compileClose,
  ioctl: compileIoctl,
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
  'dequeue': '[io-manager]',
  'post': '[io-manager]',
  'set-notification-modes': '[io-manager]',
  'cancel-io': '[io-manager]',
  'cancel-io-ex': '[io-manager]',
  'cancel-synchronous-io': '[io-manager]',
  duplicate: '[machine]',
  wait: '[machine]',
  'wait-any': '[machine]',
  'wait-all': '[machine]',
  sleep: '[machine]',
  'create-event': '[machine]',
  'open-event': '[machine]',
  'set-event': '[machine]',
  'reset-event': '[machine]',
  'create-semaphore': '[machine]',
  'release-semaphore': '[machine]',
  'create-mutex': '[machine]',
  'release-mutex': '[machine]',
  'create-section': '[machine]',
  'open-section': '[machine]',
  'map-view': '[machine]',
  'unmap-view': '[machine]',
  alloc: '[machine]',
  'read-memory': '[machine]',
  'write-memory': '[machine]',
  protect: '[machine]',
  spawn: '[machine]',
  exit: '[machine]',
  terminate: '[machine]',
};
