import type { Machine } from '../Machine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import type { Routine } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import { probeOutputs, writeOutput } from './serviceHelpers.ts';

export function* NtAllocateVirtualMemory(m: Machine, t: Thread, a: { baseOut: number; size: number; protect: number }): Routine<NtStatus> {
  const probed = probeOutputs(m, t, a.baseOut);
  if (probed !== STATUS.SUCCESS) return probed;
  if (a.size <= 0) return STATUS.INVALID_PARAMETER;
  const base = m.memory.allocateUser(t.process.space, a.size, a.protect);
  if (base === null) return STATUS.NO_MEMORY;
  if (m.trace.on) m.trace.emit({ type: 'mem.alloc', pid: t.process.id, address: base, size: a.size, protect: a.protect });
  writeOutput(m, t, a.baseOut, base);
  return STATUS.SUCCESS;
}

export function* NtFreeVirtualMemory(m: Machine, t: Thread, a: { base: number }): Routine<NtStatus> {
  const region = m.memory.freeUser(t.process.space, a.base);
  if (region === undefined) return STATUS.INVALID_PARAMETER;
  if (m.trace.on) m.trace.emit({ type: 'mem.free', pid: t.process.id, address: a.base, size: region.size });
  return STATUS.SUCCESS;
}

export function* NtProtectVirtualMemory(m: Machine, t: Thread, a: { base: number; size: number; protect: number; oldProtectOut: number }): Routine<NtStatus> {
  const probed = probeOutputs(m, t, a.oldProtectOut);
  if (probed !== STATUS.SUCCESS) return probed;
  const old = m.memory.protectionOf(t.process.space, a.base);
  if (old === null || !m.memory.protect(t.process.space, a.base, a.size, a.protect)) return STATUS.INVALID_PARAMETER;
  writeOutput(m, t, a.oldProtectOut, old);
  return STATUS.SUCCESS;
}
