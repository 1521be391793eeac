// The moments a person looks for in a trace (shared/core/trace.ts): a process started, exec'd or exited,
// a PID namespace appeared or went. Read off the recorded diffs in one pass, keeping each live process's
// command so that an exit can be named and an exec seen. A trace records states, not kernel events: an
// exec is a process whose command name changed between two scans (prctl(PR_SET_NAME) looks the same), and
// a process that lived between two scans of a polling recorder is not in it at all.
import { nsKey, processKey } from './identity';
import type { Trace } from './trace';
import { nsName } from './nsName';

export type TraceEventKind = 'started' | 'exec' | 'exited' | 'nsCreated' | 'nsGone';

export interface TraceEvent {
  /** ms from the trace's start */
  t: number;
  kind: TraceEventKind;
  text: string;
}

export interface TraceEvents {
  events: TraceEvent[];
  /** Process events left out past `maxEvents` (namespace events are always kept). */
  omitted: number;
}

/** Every event of the trace in time order; at most `maxEvents` of them, namespace events first in line. */
export function traceEvents(trace: Trace, maxEvents = 5000): TraceEvents {
  const reader = new TraceEventReader(trace, maxEvents);
  reader.read(trace.entries.length);
  return reader.result();
}

/**
 * traceEvents a few entries at a time, for a caller that must not hold its thread for the whole pass (the
 * trace editor: an hour of 1% churn is 720,000 process events, a second or more of work).
 */
export class TraceEventReader {
  private readonly comm: Map<string, string>;
  private readonly level: Map<string, number>;
  private readonly nsEvents: TraceEvent[] = [];
  private readonly procEvents: TraceEvent[] = [];
  private processCount = 0;
  /** The next entry of trace.entries to read. */
  private next = 0;

  constructor(
    private readonly trace: Trace,
    private readonly maxEvents = 5000,
  ) {
    const first = trace.keyframes[0].snapshot;
    this.comm = new Map<string, string>(first.processes.map((p) => [processKey(p), p.comm]));
    this.level = new Map<string, number>(first.namespaces.map((n) => [nsKey(n), n.level]));
  }

  /** True when every entry has been read. */
  get done(): boolean {
    return this.next >= this.trace.entries.length;
  }

  /** Reads up to `count` more entries. */
  read(count: number): void {
    const { comm, level, nsEvents } = this;
    const addProc = (e: TraceEvent): void => {
      this.processCount++;
      if (this.procEvents.length < this.maxEvents) this.procEvents.push(e);
    };
    const end = Math.min(this.trace.entries.length, this.next + count);
    for (; this.next < end; this.next++) {
      const entry = this.trace.entries[this.next];
      if (!('diff' in entry)) continue;
      const { t, diff } = entry;
      for (const n of diff.addedNamespaces) {
        level.set(nsKey(n), n.level);
        nsEvents.push({
          t,
          kind: 'nsCreated',
          text: `${nsName(n.inode)} created (level ${n.level}${n.init === null ? '' : `, init ${n.init}`})`,
        });
      }
      for (const n of diff.removedNamespaces) {
        const l = level.get(nsKey(n));
        level.delete(nsKey(n));
        nsEvents.push({ t, kind: 'nsGone', text: `${nsName(n.inode)} gone${l === undefined ? '' : ` (level ${l})`}` });
      }
      for (const k of diff.removedProcesses) {
        const key = processKey(k);
        addProc({ t, kind: 'exited', text: `${comm.get(key) ?? '?'} ${k.pid} exited` });
        comm.delete(key);
      }
      for (const p of diff.addedProcesses) {
        comm.set(processKey(p), p.comm);
        const inner = p.nspid.length > 1 ? ` (${p.nspid[p.nspid.length - 1]} in ${nsName(p.ns)})` : '';
        addProc({ t, kind: 'started', text: `${p.comm} ${p.pid}${inner} started` });
      }
      for (const p of diff.changedProcesses) {
        const key = processKey(p);
        const before = comm.get(key);
        if (before !== undefined && before !== p.comm) addProc({ t, kind: 'exec', text: `${p.pid} exec: ${before} → ${p.comm}` });
        comm.set(key, p.comm);
      }
    }
  }

  /** The events, once every entry has been read. */
  result(): TraceEvents {
    if (!this.done) throw new Error(`trace events: ${this.trace.entries.length - this.next} entries not read yet`);
    const { nsEvents, maxEvents } = this;
    const room = Math.max(0, maxEvents - nsEvents.length);
    const kept = this.procEvents.slice(0, room);
    // Both lists are in time order: merge them (stable, namespace events first at the same t).
    const events: TraceEvent[] = [];
    let i = 0;
    let j = 0;
    while (i < nsEvents.length || j < kept.length) {
      if (j >= kept.length || (i < nsEvents.length && nsEvents[i].t <= kept[j].t)) events.push(nsEvents[i++]);
      else events.push(kept[j++]);
    }
    return { events, omitted: this.processCount - kept.length };
  }
}
