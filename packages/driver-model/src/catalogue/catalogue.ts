import type { DriverDefinition } from '../defineDriver.ts';
import { hello } from './hello.ts';
import { methods } from './methods.ts';
import { queue } from './queue.ts';
import { resyncFilter } from './resyncFilter.ts';
import { rw } from './rw.ts';
import { sharedMemory } from './sharedMemory.ts';
import { slow } from './slow.ts';
import { watchFilter } from './watchFilter.ts';
import { notify } from './notify.ts';
import { eventSignal } from './eventSignal.ts';
import { poller } from './poller.ts';
import { serial } from './serial.ts';
import { sampler } from './sampler.ts';
import { sharedRing } from './sharedRing.ts';
import { messageStream } from './messageStream.ts';
import { bugTwins } from './bugs/bugTwins.ts';

/** Every ready-made driver, by catalogue name, in the order `irpsim list --drivers` prints them. */
export const catalogue: ReadonlyMap<string, DriverDefinition> = new Map([hello, methods, queue, rw, sharedMemory, slow, watchFilter, resyncFilter, notify, eventSignal, poller, serial, sampler, sharedRing, messageStream, ...bugTwins].map((d) => [d.name, d]));
