import { describeStatus, hex, statusName, type TraceEvent } from '@irpsim/core';
import { majorName } from '@irpsim/io-manager';
import { describeLastError } from './lastError.ts';

/** One narrated line: how deep it sits under its actor's calls, and its text. */
export interface Narration {
  /** Indentation change before (-1) and after (+1) this line. */
  readonly open?: boolean;
  readonly close?: boolean;
  readonly text: string;
}

/** Win32 APIs whose result is a handle or an address (the narration shows it instead of TRUE / FALSE). */
const RETURNS_HANDLE_OR_ADDRESS = new Set([
  'CreateFile',
  'CreateEvent',
  'OpenEvent',
  'CreateSemaphore',
  'OpenSemaphore',
  'CreateMutex',
  'OpenMutex',
  'CreateFileMapping',
  'OpenFileMapping',
  'MapViewOfFile',
  'VirtualAlloc',
  'CreateThread',
  'CreateIoCompletionPort',
]);

const METHOD_LABEL = {
  buffered: 'METHOD_BUFFERED',
  'in-direct': 'METHOD_IN_DIRECT',
  'out-direct': 'METHOD_OUT_DIRECT',
  neither: 'METHOD_NEITHER',
} as const;

/** Renders a byte preview ("48 65 6c …") as text when it is printable. */
function showPreview(preview: string): string {
  const more = preview.endsWith(' …');
  const hexes = (more ? preview.slice(0, -2) : preview).split(' ').filter((h) => h !== '');
  const bytes = hexes.map((h) => parseInt(h, 16));
  const printable = bytes.length > 0 && bytes.every((b) => b >= 0x20 && b < 0x7f);
  const body = printable ? JSON.stringify(String.fromCharCode(...bytes)) : preview;
  return more && printable ? `${body.slice(0, -1)}…"` : body;
}

/**
 * The sentence a student reads for one trace event, or null for events the narration
 * leaves out (scheduling choices, frees). `names` turns known numbers (IOCTL codes) into
 * their names.
 */
export function narrate(e: TraceEvent, names: ReadonlyMap<number, string>): Narration | null {
  const named = (n: number): string => {
    const name = names.get(n >>> 0);
    return name === undefined ? hex(n) : `${name} (${hex(n)})`;
  };
  switch (e.type) {
    case 'process.create':
      return { text: `process ${e.name} (pid ${e.pid}) starts` };
    case 'process.exit':
      return { text: `process ${e.name} exits with ${statusName(e.status)}; its remaining handles are closed` };
    case 'thread.create':
      return { text: `thread ${e.name} (tid ${e.tid}) is created` };
    case 'thread.exit':
      return { text: `thread ${e.actor} exits (${statusName(e.status)})` };
    case 'thread.fault':
      return {
        text: `unhandled ${describeStatus(e.code)} in ${e.mode} mode: ${e.write ? 'write to' : 'read of'} ${hex(e.address)}${e.mode === 'user' ? ' — the process dies; the system keeps running' : ''}`,
      };
    case 'syscall.enter':
      return e.trap
        ? { open: true, text: `⇣ ${e.service} — trap: user mode → kernel mode, PreviousMode = UserMode` }
        : { open: true, text: `${e.service} called from kernel code (Zw) — PreviousMode = KernelMode` };
    case 'syscall.exit':
      return e.trap
        ? { close: true, text: `⇡ ${e.service} returns ${describeStatus(e.status)} — kernel mode → user mode` }
        : { close: true, text: `${e.service} returns ${describeStatus(e.status)}` };
    case 'ob.lookup':
      return {
        text:
          e.object !== null
            ? `object manager resolves ${describeLookupPath(e.path, e.object, e.remaining)}`
            : `object manager: ${e.path.join(' → ')} not found: ${describeStatus(e.status)}`,
      };
    case 'ob.insert':
      return { text: `object manager: ${e.objectType} ${e.name} created` };
    case 'handle.open':
      return { text: `handle ${hex(e.handle)} → ${e.objectType} object #${e.object}${e.name !== null ? ` ${e.name}` : ''}, granted access ${hex(e.access)}` };
    case 'handle.close':
      return { text: `handle ${hex(e.handle)} closed` };
    case 'io.driver.load':
      return { text: `driver ${e.driver} loaded: DriverEntry returned ${describeStatus(e.status)}` };
    case 'io.driver.unload':
      return { text: unloadText(e.driver, e.step, e.status) };
    case 'io.device.create':
      return { text: `${e.driver} creates device ${e.name ?? `#${e.device} (unnamed)`}` };
    case 'io.device.attach':
      return { text: `${e.driver} attaches device #${e.device} above #${e.top} (its StackSize becomes ${e.stackSize})` };
    case 'io.symlink.create':
      return { text: `symbolic link ${e.link} → ${e.target}` };
    case 'io.device.delete':
      return { text: `${e.driver} deletes device ${e.name ?? `#${e.device} (unnamed)`}${e.name !== null ? ': its name is gone; open file objects keep it until their CLOSE' : ''}` };
    case 'io.symlink.delete':
      return { text: e.status === 0 ? `symbolic link ${e.link} deleted: the device keeps its NT name` : `deleting symbolic link ${e.link} fails: ${describeStatus(e.status)}` };
    case 'io.file.open':
      return { text: `file object #${e.file} opened on ${e.device}${e.fileName !== '' ? ` with name "${e.fileName}"` : ''} (${e.synchronous ? 'synchronous' : 'overlapped'} I/O)` };
    case 'io.irp.alloc':
      return { text: `I/O manager builds IRP ${e.irp}: ${majorName(e.major)}, ${e.stackCount} stack location${e.stackCount === 1 ? '' : 's'}, RequestorMode = ${e.requestor === 'user' ? 'UserMode' : 'KernelMode'}` };
    case 'io.irp.buffers':
      return { text: describeBuffers(e) };
    case 'io.copy':
      return e.direction === 'in'
        ? { text: `copies ${e.length} input byte${e.length === 1 ? '' : 's'} from the caller's buffer ${hex(e.from)} into the system buffer ${hex(e.to)}: ${showPreview(e.bytes)}` }
        : { text: `copies ${e.length} byte${e.length === 1 ? '' : 's'} (Information) back from the system buffer to the caller's buffer ${hex(e.to)}: ${showPreview(e.bytes)}` };
    case 'io.irp.call':
      return { open: true, text: `IoCallDriver: IRP ${e.irp} ${majorName(e.major)} → ${e.driver} (${e.deviceName}), stack location ${e.location} of ${e.stackCount}` };
    case 'io.irp.return':
      return { close: true, text: `${e.driver}'s dispatch routine returns ${describeStatus(e.status)}` };
    case 'io.irp.pending':
      return { text: `${e.driver} marks IRP ${e.irp} pending` };
    case 'io.irp.complete':
      return { text: `${e.driver ?? 'the I/O manager'} completes IRP ${e.irp}: Status = ${describeStatus(e.status)}, Information = ${e.information}` };
    case 'io.irp.routine':
      return { text: `completion routine of ${e.driver} runs for IRP ${e.irp} (status ${statusName(e.status)}) → ${statusName(e.result)}` };
    case 'io.irp.finish': {
      const parts = !e.notified
        ? ['an error status on a request that did not pend: the IO_STATUS_BLOCK and the event are left untouched']
        : [e.iosbWritten ? `IO_STATUS_BLOCK ← {${statusName(e.status)}, ${e.information}}` : '', e.eventSignalled ? 'event signalled' : ''].filter((p) => p !== '');
      return { text: `I/O manager finishes IRP ${e.irp}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}` };
    }
    case 'io.probe.fail':
      return {
        text: `${e.write ? 'ProbeForWrite' : 'ProbeForRead'} rejects ${hex(e.address)}: ${
          e.address >>> 0 >= 0x80000000 ? 'a kernel address from a UserMode caller' : 'not accessible to the caller'
        } — ${statusName(e.status)}, no IRP is built`,
      };
    case 'io.dbgprint':
      return { text: `${e.driver}: DbgPrint("${e.message}")` };
    case 'win32.call':
      if ((e.api === 'Sleep' || e.api === 'SleepEx') && /^0 ms\b/.test(e.detail)) {
        return {
          open: true,
          text: e.api === 'Sleep' ? 'Sleep(0) — a yield: the thread gives up the rest of its time slice' : 'SleepEx(0, alertable) — a yield that first runs any queued user APCs',
        };
      }
      // Known numbers (IOCTL codes, values) are named; handle values never are.
      return { open: true, text: `${e.api}(${e.detail.replace(/(handle )?0x[0-9A-F]+/g, (h, handle) => (handle === undefined && names.has(parseInt(h, 16) >>> 0) ? named(parseInt(h, 16)) : h))})` };
    case 'win32.return': {
      // A failure shows the status the call returned and the error kernel32 made of it (IO-8.3).
      const error = e.ok ? '' : `; ${describeLastError(e.status, e.error ?? 0)}`;
      // Sleep and the waits return a DWORD, not a BOOL: show it.
      if (e.api === 'Sleep' || e.api === 'SleepEx') return { close: true, text: `→ ${e.detail !== '' ? e.detail : '0'}` };
      // ntdll calls (NtCreateFile, NtQueryObject) return the NTSTATUS itself; the last error stays.
      if (e.api.startsWith('Nt')) return { close: true, text: `→ ${describeStatus(e.status)}${e.detail !== '' ? `, ${e.detail}` : ''}` };
      if (e.api.startsWith('WaitFor')) return { close: true, text: `→ ${e.ok ? e.detail : 'WAIT_FAILED'}${error}` };
      // APIs that return a handle or an address, not a BOOL: the value, or NULL / INVALID_HANDLE_VALUE.
      if (RETURNS_HANDLE_OR_ADDRESS.has(e.api) && (e.detail !== '' || !e.ok)) return { close: true, text: `→ ${e.detail !== '' ? e.detail : 'NULL'}${error}` };
      return { close: true, text: `→ ${e.ok ? 'TRUE' : 'FALSE'}${e.detail !== '' ? `, ${e.detail}` : ''}${error}` };
    }
    case 'wait.begin':
      return {
        text: `waits for ${e.objects.length === 1 ? e.objects[0] : `${e.waitAll ? 'all' : 'any'} of ${e.objects.join(', ')}`}${e.timeoutNs === null ? '' : ` (timeout ${e.timeoutNs / 1e6} ms)`}${e.alertable ? ', alertable' : ''}`,
      };
    case 'wait.end':
      return { text: `wait ends: ${statusName(e.status)}` };
    case 'object.signal':
      return { text: `${e.objectType} ${e.name ?? `#${e.object}`} → ${e.objectType === 'Semaphore' ? `count ${e.state}` : e.state > 0 ? 'signalled' : 'not signalled'}` };
    case 'apc.queue':
      return { text: `user APC "${e.label}" queued to thread ${e.tid}` };
    case 'apc.deliver':
      return { text: `user APC "${e.label}" runs in user mode` };
    case 'mem.alloc':
      return { text: `memory manager maps ${e.size} bytes at ${hex(e.address)} in process ${e.pid} (demand-zero pages)` };
    case 'mem.view.map': {
      const where = e.pid === 0 ? 'system space' : `process ${e.pid}`;
      const touched = e.frames.filter((f) => f >= 0);
      return {
        text: `memory manager maps a view of ${e.sectionName ?? `section #${e.section}`} at ${hex(e.address)} in ${where} (${e.size} bytes; ${
          touched.length === 0 ? 'pages get frames on first touch' : `frames ${e.frames.map((f) => (f < 0 ? '—' : f)).join(', ')}`
        })`,
      };
    }
    // lessons (overlapped-iocp, cancel-io): completion packets and cancellation.
    case 'io.port.queue':
      return {
        text:
          e.irp !== null
            ? `completion packet for IRP ${e.irp} queued to port #${e.port}: key ${hex(e.key)}, OVERLAPPED ${hex(e.apcContext)}, ${statusName(e.status)}, ${e.information} bytes`
            : `packet posted to port #${e.port}: key ${hex(e.key)}, OVERLAPPED ${hex(e.apcContext)}, ${e.information} bytes`,
      };
    case 'io.port.remove':
      return { text: `takes a packet off port #${e.port}: key ${hex(e.key)}, OVERLAPPED ${hex(e.apcContext)}, ${statusName(e.status)}, ${e.information} bytes` };
    case 'io.cancel.request':
      return { text: `${e.api}: ${e.irps.length === 0 ? 'no request matches' : `cancels IRP${e.irps.length === 1 ? '' : 's'} ${e.irps.join(', ')}`}` };
    case 'io.irp.cancel':
      return { text: `IoCancelIrp(IRP ${e.irp}): Cancel = TRUE; ${e.routine ? 'its cancel routine is called' : 'no cancel routine is set: the driver will see Cancel when it next looks'}` };
    // lessons (ioctl-methods): where a direct-I/O driver reaches the caller's locked pages.
    case 'mm.mdl.map':
      return e.mode === 'kernel'
        ? { text: `MmGetSystemAddressForMdlSafe: the MDL's ${e.pages} page${e.pages === 1 ? '' : 's'} (a buffer of process ${e.mdlPid}) mapped into system space at ${hex(e.address)}, valid in any process context` }
        : { text: `MmMapLockedPagesSpecifyCache(UserMode): the MDL's ${e.pages} page${e.pages === 1 ? '' : 's'} (a buffer of process ${e.mdlPid}) mapped into the user space of process ${e.pid} at ${hex(e.address)}` };
    case 'mem.view.unmap':
      return { text: `memory manager unmaps the view at ${hex(e.address)}` };
    case 'mem.section.touch':
      return { text: `page ${e.page} of ${e.section ?? 'the section'} is touched for the first time: it gets zero-filled frame ${e.frame}` };
    case 'user.memory':
      return {
        text: `${e.write ? 'writes' : 'reads'} ${e.length} byte${e.length === 1 ? '' : 's'} at ${hex(e.address)} (frame${e.frames.length === 1 ? '' : 's'} ${e.frames.join(', ')}): ${showPreview(e.bytes)}`,
      };
    case 'mem.free':
      return { text: `memory manager unmaps ${hex(e.address)} (${e.size} bytes)` };
    case 'scenario.note':
      return { text: `✎ ${e.text}` };
    case 'scenario.expect':
      return { text: e.passed ? `✓ ${e.description}: ${e.actual}` : `✗ ${e.description}: expected ${e.expected}, got ${e.actual}` };
    case 'verifier.violation':
      return { text: `⚠ verifier ${e.check}: ${e.message}` };
    case 'verifier.adversary':
      return { text: `⚡ adversary ${e.mode}${e.irp === null ? '' : ` on IRP ${e.irp}`}: ${e.detail}` };
    case 'sim.bugcheck':
      return { text: `*** STOP ${hex(e.code, 8)} (${e.params.map((p) => hex(p)).join(', ')}) ${e.name}: ${e.message}` };
    default:
      return null;
  }
}

/**
 * `\??\Hello → \Device\Hello`; with a name past a device, the device and what is left for
 * its driver: `\??\Hello\sub → \Device\Hello + "\sub"` (IO-9.3).
 */
function describeLookupPath(path: readonly string[], object: string | null, remaining: string): string {
  if (remaining === '' || object === null) return path.join(' → ');
  const last = path[path.length - 1] === object + remaining ? object : path[path.length - 1];
  return `${[...path.slice(0, -1), last].join(' → ')} + "${remaining}"`;
}

function describeBuffers(e: Extract<TraceEvent, { type: 'io.irp.buffers' }>): string {
  const method = METHOD_LABEL[e.method];
  switch (e.method) {
    case 'buffered':
      return e.systemBufferLength > 0
        ? `${method}: one system buffer ${hex(e.systemBuffer)} of max(in ${e.inputLength}, out ${e.outputLength}) = ${e.systemBufferLength} bytes, shared by input and output`
        : `${method}: no buffers (in 0, out 0): SystemBuffer = NULL`;
    case 'neither':
      return `${method}: the driver gets the caller's raw pointers — Type3InputBuffer ${hex(e.inputBuffer)}, UserBuffer ${hex(e.outputBuffer)} — unchecked; nothing is copied, now or at completion`;
    default:
      return `${method}: input ${e.inputLength > 0 ? `copied into system buffer ${hex(e.systemBuffer)}` : 'none'}; output ${
        e.mdl !== 0
          ? `probed for ${e.method === 'in-direct' ? 'read' : 'write'}, locked in place and described by an MDL over ${hex(e.mdl)} (${e.outputLength} bytes); nothing will be copied back`
          : 'none (MdlAddress = NULL)'
      }`;
  }
}

/** The steps of unloading a driver (docs/semantics.md "Driver unload"). */
function unloadText(driver: string, step: 'refused' | 'pending' | 'invoked' | 'unloaded', status: number): string {
  switch (step) {
    case 'refused':
      return `unloading driver ${driver} is refused: ${describeStatus(status)}`;
    case 'pending':
      return `driver ${driver} is marked unload-pending: its devices are still referenced, new opens fail until the last one goes`;
    case 'invoked':
      return `the I/O manager calls ${driver}'s DriverUnload (PASSIVE_LEVEL, a system thread)`;
    case 'unloaded':
      return `driver ${driver} unloaded: its code is gone`;
  }
}
