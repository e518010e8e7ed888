import type { DriverDefinition } from '../defineDriver.ts';
import { hello } from './hello.ts';
import { methods } from './methods.ts';
import { queue } from './queue.ts';
import { resyncFilter } from './resyncFilter.ts';
import { rw } from './rw.ts';
import { sharedMemory } from './sharedMemory.ts';
import { slow } from './slow.ts';
import { watchFilter } from './watchFilter.ts';

/** Every ready-made driver, by catalogue name, in the order `irpsim list --drivers` prints them. */
export const catalogue: ReadonlyMap<string, DriverDefinition> = new Map([hello, methods, queue, rw, sharedMemory, slow, watchFilter, resyncFilter].map((d) => [d.name, d]));
