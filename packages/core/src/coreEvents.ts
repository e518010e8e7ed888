/** The engine's own trace events. */
import type { Outcome } from './Engine.ts';
import type { ChoiceKind } from './Strategy.ts';

declare module './TraceEvent.ts' {
  interface TraceEventMap {
    /** A real choice: `pick` of `options` for a decision of `kind`. */
    'sched.choice': { kind: ChoiceKind; options: number; pick: number };
    'verifier.violation': { check: string; name: string; message: string };
    'sim.bugcheck': {
      code: number;
      name: string;
      params: number[];
      message: string;
      driver: string | null;
    };
    'sim.end': { outcome: Outcome; reason: string };
  }
}

declare module './TraceEvent.ts' {
  interface TraceEventMap {
    'process.create': { pid: number; name: string };
    'process.exit': { pid: number; name: string; status: number };
    'thread.create': { tid: number; pid: number; name: string };
    'thread.exit': { tid: number; status: number };
    /** An unhandled exception in a thread (user mode: the process dies). */
    'thread.fault': { tid: number; code: number; address: number; write: boolean; mode: 'user' | 'kernel' };
    /** A system call: `trap` for a user-mode call through the gate, false for a Zw call. */
    'syscall.enter': { tid: number; service: string; previousMode: 'user' | 'kernel'; trap: boolean };
    'syscall.exit': { tid: number; service: string; status: number; trap: boolean };
    'ob.insert': { object: number; name: string; objectType: string };
    'ob.delete': { object: number; name: string | null; objectType: string };
    'handle.open': { pid: number; handle: number; object: number; name: string | null; objectType: string; access: number };
    'handle.close': { pid: number; handle: number; object: number; name: string | null };
  }
}

declare module './TraceEvent.ts' {
  interface TraceEventMap {
    /** A name lookup: `path` lists each name tried as symbolic links were followed. */
    'ob.lookup': { name: string; path: string[]; status: number; object: string | null; remaining: string };
  }
}

declare module './TraceEvent.ts' {
  interface TraceEventMap {
    /** A thread starts waiting on objects (by name, or `Type #id`). */
    'wait.begin': { tid: number; objects: string[]; waitAll: boolean; alertable: boolean; timeoutNs: number | null };
    'wait.end': { tid: number; status: number };
    /** An event was set, reset or pulsed; a semaphore or mutex released. */
    'object.signal': { object: number; name: string | null; objectType: string; state: number };
    'apc.queue': { tid: number; label: string };
    'apc.deliver': { tid: number; label: string };
    'mem.alloc': { pid: number; address: number; size: number; protect: number };
    'mem.free': { pid: number; address: number; size: number };
  }
}

declare module './TraceEvent.ts' {
  interface TraceEventMap {
    /** A view of a section mapped at `address` (pid 0: system space); `frames[i]` backs page `firstPage + i`, -1 until touched. */
    'mem.view.map': { pid: number; address: number; size: number; section: number; sectionName: string | null; firstPage: number; frames: number[] };
    'mem.view.unmap': { pid: number; address: number; section: number };
    /** A section page was touched for the first time and got a zero-filled frame. */
    'mem.section.touch': { section: string | null; page: number; frame: number };
  }
}
