import type { Machine } from '../Machine.ts';
import { NtCreateEvent, NtOpenEvent, NtPulseEvent, NtResetEvent, NtSetEvent } from './eventServices.ts';
import { NtAllocateVirtualMemory, NtFreeVirtualMemory, NtProtectVirtualMemory } from './memoryServices.ts';
import { NtCreateMutant, NtOpenMutant, NtReleaseMutant } from './mutantServices.ts';
import { NtClose, NtDuplicateObject } from './objectServices.ts';
import { NtCreateSection, NtMapViewOfSection, NtOpenSection, NtUnmapViewOfSection } from './sectionServices.ts';
import { NtCreateSemaphore, NtOpenSemaphore, NtReleaseSemaphore } from './semaphoreServices.ts';
import { NtCreateThreadEx, NtQueueApcThread, NtTerminateProcess, NtTerminateThread } from './threadServices.ts';
import { NtDelayExecution, NtTestAlert, NtWaitForMultipleObjects, NtWaitForSingleObject } from './waitServices.ts';

/** The core's part of the system service table. */
export function registerCoreServices(m: Machine): void {
  m.registerService('NtClose', NtClose);
  m.registerService('NtDuplicateObject', NtDuplicateObject);
  m.registerService('NtCreateEvent', NtCreateEvent);
  m.registerService('NtOpenEvent', NtOpenEvent);
  m.registerService('NtSetEvent', NtSetEvent);
  m.registerService('NtResetEvent', NtResetEvent);
  m.registerService('NtPulseEvent', NtPulseEvent);
  m.registerService('NtCreateSemaphore', NtCreateSemaphore);
  m.registerService('NtOpenSemaphore', NtOpenSemaphore);
  m.registerService('NtReleaseSemaphore', NtReleaseSemaphore);
  m.registerService('NtCreateMutant', NtCreateMutant);
  m.registerService('NtOpenMutant', NtOpenMutant);
  m.registerService('NtReleaseMutant', NtReleaseMutant);
  m.registerService('NtWaitForSingleObject', NtWaitForSingleObject);
  m.registerService('NtWaitForMultipleObjects', NtWaitForMultipleObjects);
  m.registerService('NtDelayExecution', NtDelayExecution);
  m.registerService('NtTestAlert', NtTestAlert);
  m.registerService('NtCreateThreadEx', NtCreateThreadEx);
  m.registerService('NtTerminateThread', NtTerminateThread);
  m.registerService('NtTerminateProcess', NtTerminateProcess);
  m.registerService('NtQueueApcThread', NtQueueApcThread);
  m.registerService('NtAllocateVirtualMemory', NtAllocateVirtualMemory);
  m.registerService('NtFreeVirtualMemory', NtFreeVirtualMemory);
  m.registerService('NtProtectVirtualMemory', NtProtectVirtualMemory);
  m.registerService('NtCreateSection', NtCreateSection);
  m.registerService('NtOpenSection', NtOpenSection);
  m.registerService('NtMapViewOfSection', NtMapViewOfSection);
  m.registerService('NtUnmapViewOfSection', NtUnmapViewOfSection);
}
