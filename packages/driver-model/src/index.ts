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
// [driver-model] inline (YAML) drivers: declarations interpreted on the Kernel API.
export { inlineDriver, serviceNameOf } from './inline/inlineDriver.ts';
export { DEFERRED_VERBS, LOG_FIELDS } from './inline/InlineDriverSpec.ts';
export type { InlineDriverSpec, InlineDispatch, InlineAction, DeferredAction, Amount, LengthName, CompletionSpec } from './inline/InlineDriverSpec.ts';
export { notify, IOCTL_NOTIFY_WAIT, IOCTL_NOTIFY_RAISE } from './catalogue/notify.ts';
export { eventSignal, IOCTL_EVENT_REGISTER } from './catalogue/eventSignal.ts';
export { poller } from './catalogue/poller.ts';
export { serial } from './catalogue/serial.ts';
export { sampler, IOCTL_SAMPLER_START, IOCTL_SAMPLER_READ, IOCTL_SAMPLER_STATS } from './catalogue/sampler.ts';
export { SimulatedHardware } from './catalogue/SimulatedHardware.ts';
export { IoStartPacket, IoStartNextPacket } from './catalogue/startPacket.ts';
export type { StartIoRoutine, StartIoState } from './catalogue/startPacket.ts';
export { sharedRing, IOCTL_RING_START, RING_WRITE, RING_READ, RING_DATA, RING_SLOTS, RING_RECORD, RING_RECORDS } from './catalogue/sharedRing.ts';
export { messageStream, IOCTL_STREAM_BUFFERED, IOCTL_STREAM_DIRECT, IOCTL_STREAM_WAIT, IOCTL_STREAM_RING_START, STREAM_RING_WRITE, STREAM_RING_SIZE, STREAM_RING_DATA, STREAM_MAX_MESSAGE } from './catalogue/messageStream.ts';
