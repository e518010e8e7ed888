/**
 * @irpsim/driver-model — writing drivers: `defineDriver`, loading, and the catalogue of
 * ready-made drivers (correct ones and, later, their buggy twins).
 */
export { defineDriver, loadDriver } from './defineDriver.ts';
export type { DriverDefinition } from './defineDriver.ts';
export { catalogue } from './catalogue/catalogue.ts';
export { hello, IOCTL_HELLO_ECHO } from './catalogue/hello.ts';
export { sharedMemory, IOCTL_SHARED_READ, SHARED_SIZE } from './catalogue/sharedMemory.ts';
export { methods, IOCTL_METHODS_BUFFERED, IOCTL_METHODS_IN_DIRECT, IOCTL_METHODS_OUT_DIRECT, IOCTL_METHODS_NEITHER } from './catalogue/methods.ts';
export { slow, IOCTL_SLOW_ECHO, IOCTL_SLOW_FAIL } from './catalogue/slow.ts';
export { watchFilter } from './catalogue/watchFilter.ts';
export { resyncFilter } from './catalogue/resyncFilter.ts';
export { rw, RW_CONTENT } from './catalogue/rw.ts';
export { queue, IOCTL_QUEUE_COMPLETE_ALL } from './catalogue/queue.ts';
export { attachFilter, passThrough, lowerOf } from './catalogue/filterHelpers.ts';
export type { FilterExtension } from './catalogue/filterHelpers.ts';
