/**
 * Every trace event type the packages declare (their `TraceEventMap` entries): a report's
 * `count:` and `sum:` name one of them, so a misspelt type is an error, not a column of
 * zeros. test/report.test.ts keeps the list equal to the declarations.
 */
export const TRACE_EVENT_TYPES: readonly string[] = [
  'apc.deliver', 'apc.queue', 'cpu.interrupt', 'cpu.irql', 'cpu.isr.end', 'dpc.queue', 'dpc.run', 'handle.close', 'handle.open',
  'io.cancel.request', 'io.copy', 'io.dbgprint', 'io.device.attach', 'io.device.create', 'io.device.delete', 'io.driver.load',
  'io.driver.unload',
  'io.file.open', 'io.irp.abort', 'io.irp.alloc', 'io.irp.buffers', 'io.irp.call', 'io.irp.cancel', 'io.irp.complete',
  'io.irp.disassociate', 'io.irp.finish', 'io.irp.free', 'io.irp.pending', 'io.irp.return', 'io.irp.routine', 'io.irp.transfer',
  'io.port.associate', 'io.port.create', 'io.port.queue', 'io.port.remove', 'io.probe.fail', 'io.symlink.create', 'io.symlink.delete',
  'mem.alloc', 'mem.free', 'mem.section.touch', 'mem.view.map', 'mem.view.unmap', 'mm.mdl.map', 'ob.delete', 'ob.insert', 'ob.lookup',
  'object.signal', 'process.create', 'process.exit', 'scenario.expect', 'scenario.note', 'sched.choice', 'sim.bugcheck', 'sim.end',
  'spinlock.acquire', 'spinlock.release', 'spinlock.spin', 'syscall.enter', 'syscall.exit', 'thread.create', 'thread.exit',
  'thread.fault', 'timer.fire', 'timer.set', 'user.memory', 'verifier.adversary', 'verifier.violation', 'wait.begin', 'wait.end', 'win32.call',
  'win32.misuse', 'win32.return', 'workitem.queue', 'workitem.run',
];
