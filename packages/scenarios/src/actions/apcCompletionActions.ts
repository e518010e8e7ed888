import type { FileIoCompletionRoutine } from '@irpsim/io-manager';
import { runSteps, untracked, type ActionDef, type StepList } from './ActionEnv.ts';
import { apcRan } from './apcLog.ts';
import { planBuffer, resolveBuffer } from './buffers.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showError } from './format.ts';
import { handleOf, requireHandle } from './handles.ts';
import {
  checkOverlapped,
  compileOverlappedExpect,
  overlappedExpectSchema,
  overlappedNames,
  overlappedSchema,
  planOverlapped,
  resolveOverlapped,
  showOverlapped,
} from './overlapped.ts';
import { actionsSchema, bufferSchema, nameSchema, valueSchema } from './schemaParts.ts';

/** `completion: done` or `{ label, expect: { error, bytes }, actions }`: the LPOVERLAPPED_COMPLETION_ROUTINE. */
const completionSchema = {
  description: 'The completion routine: a label, or { label, expect: { error, bytes }, actions } (the actions run inside it)',
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      properties: {
        label: { type: 'string' },
        expect: {
          type: 'object',
          properties: {
            error: { ...valueSchema, description: 'dwErrorCode: the Win32 error of the request (0 for success)' },
            bytes: { ...valueSchema, description: 'dwNumberOfBytesTransfered' },
          },
          additionalProperties: false,
        },
        actions: actionsSchema,
      },
      additionalProperties: false,
    },
  ],
} as const;

/**
 * `read-ex: h` / `write-ex: h` — ReadFileEx / WriteFileEx (IO-7.12): the request's
 * completion routine runs as a user APC in this thread, at its next alertable wait
 * (`sleep … alertable`, `wait … alertable`), which then returns WAIT_IO_COMPLETION.
 */
function transferEx(verb: 'read-ex' | 'write-ex'): ActionDef {
  const reading = verb === 'read-ex';
  const bufferKey = reading ? 'output' : 'input';
  return {
    description: `${reading ? 'ReadFileEx' : 'WriteFileEx'}: an overlapped ${reading ? 'read' : 'write'} whose completion routine runs in this thread at its next alertable wait.`,
    value: { ...nameSchema, description: 'An overlapped handle named with `as`' },
    properties: { [bufferKey]: bufferSchema, overlapped: overlappedSchema, completion: completionSchema },
    expect: { overlapped: overlappedExpectSchema },
    names: (a) => ({ buffers: overlappedNames(a) }),
    compile(action, path, env, what) {
      const handleName = action[verb] as string;
      requireHandle(handleName, [...path, verb], env);
      const buffer = planBuffer(action[bufferKey], [...path, bufferKey], env);
      if (action['overlapped'] === undefined) env.error(path, `${verb} needs \`overlapped:\` (true, or { as: NAME, offset })`, 'ReadFileEx and WriteFileEx fail with ERROR_INVALID_PARAMETER without one');
      const overlapped = planOverlapped(action['overlapped'], [...path, 'overlapped'], env);
      const spec = (typeof action['completion'] === 'string' ? { label: action['completion'] } : (action['completion'] ?? {})) as {
        label?: string;
        expect?: { error?: number | string; bytes?: number | string };
        actions?: unknown;
      };
      const label = spec.label ?? 'completion routine';
      const wantError = spec.expect?.error === undefined ? null : env.value(spec.expect.error, [...path, 'completion', 'expect', 'error']);
      const wantBytes = spec.expect?.bytes === undefined ? null : env.value(spec.expect.bytes, [...path, 'completion', 'expect', 'bytes']);
      const list: StepList | null = spec.actions === undefined ? null : env.compileList(spec.actions, [...path, 'completion', 'actions'], `${what} (${label}) →`, new Set());
      const common = compileCommonExpect(action, path, env);
      const overlappedExpect = compileOverlappedExpect(((action['expect'] ?? {}) as Record<string, unknown>)['overlapped'], [...path, 'expect', 'overlapped'], env);
      return function* (t) {
        const buf = resolveBuffer(t, buffer);
        const ov = resolveOverlapped(t, overlapped);
        const routine: FileIoCompletionRoutine = function* (u, errorCode, bytes, lpOverlapped) {
          apcRan(u.thread, { kind: 'completion routine', label, args: { error: errorCode, bytes, overlapped: lpOverlapped } });
          t.note(`completion routine "${label}" runs: dwErrorCode = ${showError(errorCode)}, dwNumberOfBytesTransfered = ${bytes}, lpOverlapped = ${showOverlapped(t, lpOverlapped)}`);
          if (wantError !== null) t.check(`${what}: ${label}: dwErrorCode`, showError(wantError), showError(errorCode), errorCode === wantError);
          if (wantBytes !== null) t.check(`${what}: ${label}: dwNumberOfBytesTransfered`, String(wantBytes), String(bytes), bytes === wantBytes);
          if (list !== null) {
            const progress = untracked(t.label);
            yield* runSteps({ ...t, u, progress }, list, progress);
          }
        };
        const handle = handleOf(t, handleName);
        const ok = reading ? yield* t.u.ReadFileEx(handle, buf.address, buf.length, ov, routine) : yield* t.u.WriteFileEx(handle, buf.address, buf.length, ov, routine);
        checkCommon(t, what, common, ok);
        checkOverlapped(t, what, overlappedExpect, ov);
      };
    },
  };
}

export const APC_COMPLETION_ACTIONS = { 'read-ex': transferEx('read-ex'), 'write-ex': transferEx('write-ex') } as const;
