import type { DriverDefinition } from '../defineDriver.ts';
import { hello } from './hello.ts';
import { sharedMemory } from './sharedMemory.ts';

/** Every ready-made driver, by catalogue name, in the order `irpsim list --drivers` prints them. */
export const catalogue: ReadonlyMap<string, DriverDefinition> = new Map([hello, sharedMemory].map((d) => [d.name, d]));
