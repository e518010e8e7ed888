/**
 * @irpsim/driver-model — writing drivers: `defineDriver`, loading, and the catalogue of
 * ready-made drivers (correct ones and, later, their buggy twins).
 */
export { defineDriver, loadDriver } from './defineDriver.ts';
export type { DriverDefinition } from './defineDriver.ts';
export { catalogue } from './catalogue/catalogue.ts';
export { hello, IOCTL_HELLO_ECHO } from './catalogue/hello.ts';
export { sharedMemory, IOCTL_SHARED_READ, SHARED_SIZE } from './catalogue/sharedMemory.ts';
