import { SimException, copyCost, ntError, setEvent, type Routine } from '@irpsim/core';
import { IRP_FLAG } from './constants.ts';
import { FO } from './FileObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { previewBytes } from './previewBytes.ts';

/**
 * The I/O manager's final processing of a completed IRP (IopCompleteRequest, IO-5.19),
 * in the context of the requesting thread: the BUFFERED copy-back of exactly Information
 * bytes unless the status is an error (IO-3.2), freeing the system buffer, then — only if
 * the status is not an error or the IRP pended (§11) — writing the caller's IO_STATUS_BLOCK
 * and signalling its event. Copy-back happens before the event, so a woken waiter always
 * finds its data.
 */
export function* finishRequest(io: IoManager, irp: Irp): Routine<void> {
  const machine = io.machine;
  const memory = machine.memory;
  const space = irp.thread?.process.space ?? machine.system.space;
  const status = irp.status;
  const information = irp.information;
  let copiedBack = 0;
  let cost = 0;
  if ((irp.flags & IRP_FLAG.BUFFERED_IO) !== 0) {
    const outputLength = (irp.notes['outputLength'] as number | undefined) ?? 0;
    if ((irp.flags & IRP_FLAG.INPUT_OPERATION) !== 0 && !ntError(status) && irp.systemBuffer !== 0) {
      // Windows copies Information bytes whatever they are (IO-3.3); the simulator never
      // writes past the caller's buffer.
      const length = Math.min(information, outputLength);
      if (length > 0) {
        const bytes = memory.read(space, irp.systemBuffer, length, 'kernel');
        try {
          memory.write(space, irp.userBuffer, bytes, 'kernel');
          copiedBack = length;
          cost += copyCost(machine.cost, length);
          if (io.trace.on) {
            io.trace.emit({ type: 'io.copy', irp: irp.id, direction: 'out', from: irp.systemBuffer, to: irp.userBuffer, length, bytes: previewBytes(bytes) });
          }
        } catch (error) {
          // io-semantics.md §12: the caller freed its buffer; the copy stops, the status stands.
          if (!SimException.is(error)) throw error;
        }
      }
    }
    if ((irp.flags & IRP_FLAG.DEALLOCATE_BUFFER) !== 0 && irp.systemBuffer !== 0) memory.freePool(irp.systemBuffer);
  }
  const notify = !ntError(status) || irp.pendingReturned;
  let iosbWritten = false;
  let eventSignalled = false;
  const origin = irp.origin;
  const file = irp.fileObject;
  if (notify) {
    if (origin !== null && origin.userIosb !== 0) {
      try {
        memory.writeU32(space, origin.userIosb, status, 'kernel');
        memory.writeU32(space, origin.userIosb + 4, information, 'kernel');
        iosbWritten = true;
      } catch (error) {
        if (!SimException.is(error)) throw error;
      }
    }
    if (file !== null && file.synchronous) file.finalStatus = status;
    if (origin?.event != null) {
      setEvent(machine.engine, origin.event);
      eventSignalled = true;
    }
    // IO-7.8: the file object's event is signalled when the caller gave no event, and
    // always for a synchronous file object.
    if (file !== null && (origin?.event == null || file.synchronous) && (file.flags & FO.SKIP_SET_EVENT) === 0) {
      setEvent(machine.engine, file.event);
      eventSignalled = true;
    }
  }
  if (io.trace.on) {
    io.trace.emit({
      type: 'io.irp.finish',
      irp: irp.id,
      status,
      information,
      copiedBack,
      iosbWritten,
      eventSignalled,
      pendingReturned: irp.pendingReturned,
      notified: notify,
      tid: irp.thread?.id ?? null,
    });
  }
  io.freeIrp(irp);
  // The IRP held a reference on its file object (IO-9.6): releasing it may send CLOSE.
  if (file !== null && origin?.holdsFileReference === true) {
    if (machine.engine.current?.kind === 'apc') machine.objects.dereferenceDeferred(file.object);
    else yield* machine.objects.dereference(file.object);
  }
  if (cost > 0) yield cost;

}
