// One run of a lesson: builds chains with the product's ChainManager (as the invoking user, like
// `pidns create`), prints each step and the PIDs at every level, checks each fact of shared/core/lessons.ts
// against what the kernel gives, and removes everything it made, whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ChainInfo } from '../../../shared/helperProtocol';
import { factLine, factsOf, judge, showObserved, type FactResult, type Lesson, type Observed } from '../../../shared/core/lessons';
import { ChainManager } from '../create/chainManager';
import { actingUid } from '../identity/actingUser';
import { exists, nspidOf, procRef, waitUntil, type ProcRef } from './procView';
import { nsName } from '../../../shared/core/nsName';

export interface RunOptions {
  /** Where each printed line goes (without its newline). */
  out: (line: string) => void;
  /** Pause after each step's header, so a person can follow (0 in tests). */
  pauseMs?: number;
  tty?: boolean;
  /** Called with each chain right after it is built: tests trace it to prove nothing of it remains. */
  onChain?: (chain: ChainInfo) => void;
}

/** How long a process we killed may take to disappear before we say so. */
const GONE_MS = 3000;

export class LessonRun {
  readonly manager: ChainManager;
  readonly results: FactResult[] = [];
  readonly uid = actingUid().uid;
  private readonly extras: ProcRef[] = [];
  private readonly children: ChildProcess[] = [];
  private stepIndex = -1;
  private cleaned: Promise<void> | undefined;

  constructor(
    readonly lesson: Lesson,
    private readonly opts: RunOptions,
  ) {
    this.manager = new ChainManager({ leafStdio: 'ignore', log: (level, msg) => level === 'error' && this.say(`(${msg})`) });
  }

  say(line = ''): void {
    this.opts.out(line);
  }

  /** Print the next step's header. */
  async step(): Promise<void> {
    const s = this.lesson.steps[++this.stepIndex];
    if (!s) throw new Error(`lesson ${this.lesson.name} has no step ${this.stepIndex + 1}`);
    this.say();
    this.say(`Step ${this.stepIndex + 1}/${this.lesson.steps.length}. ${s.title.replace(/`/g, '')}`);
    this.say(`  ${s.does.replace(/`/g, '')}`);
    if (this.opts.pauseMs) await new Promise((r) => setTimeout(r, this.opts.pauseMs));
  }

  /** Record what the kernel gave for a fact of the current step, and print it. */
  check(id: string, observed: Observed): void {
    const fact = this.lesson.steps[this.stepIndex]?.facts.find((f) => f.id === id);
    if (!fact) throw new Error(`fact ${id} is not a fact of step ${this.stepIndex + 1} of lesson ${this.lesson.name}`);
    const r = judge(fact, observed);
    this.results.push(r);
    this.say(factLine(fact, r, this.opts.tty));
  }

  /** Every fact of the lesson with its result; a fact the run never measured counts as failed. */
  outcome(): FactResult[] {
    return factsOf(this.lesson).map((f) => this.results.find((r) => r.id === f.id) ?? { id: f.id, observed: null, ok: false });
  }

  /** A chain of `depth` levels through the product's chain manager; the leaf runs as the invoking user. */
  async chain(depth: number): Promise<ChainInfo> {
    const info = await this.manager.create({ depth, mountProc: true }, this.uid);
    this.opts.onChain?.(info);
    this.say(`  built ${depth} level${depth > 1 ? 's' : ''} (${info.engine} engine, chain ${info.chainId}):`);
    for (const l of info.levels) this.say(`    level ${l.level}  ${nsName(l.ns)}  init host PID ${l.init}`);
    return info;
  }

  /** Print each process with its PID at every level, outermost first. */
  pids(rows: { label: string; pid: number }[]): void {
    const width = Math.max(...rows.map((r) => r.label.length));
    for (const r of rows) {
      const nspid = nspidOf(r.pid);
      const text = nspid ? `host ${nspid[0]}${nspid.length > 1 ? ' / ' + nspid.slice(1).join(' / ') : ''}` : 'gone';
      this.say(`    ${r.label.padEnd(width)}  ${text}`);
    }
  }

  note(line: string): void {
    this.say(`    ${line}`);
  }

  show(v: Observed): string {
    return showObserved(v);
  }

  /** The processes the lesson started outside its chains (tools, their children), by PID and start time. */
  startedProcesses(): ProcRef[] {
    return [...this.extras];
  }

  /** Remember a process the lesson started outside a chain, so cleanup kills it if it is still there. */
  track(pid: number): ProcRef {
    const ref = procRef(pid);
    this.extras.push(ref);
    return ref;
  }

  /** Spawn a tool (unshare, nsenter) with pipes; its first stdout lines can be awaited with `line`. */
  spawnTool(argv: string[]): { child: ChildProcess; line: () => Promise<string> } {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.push(child);
    if (child.pid !== undefined) this.track(child.pid);
    const lines: string[] = [];
    const waiting: ((l: string) => void)[] = [];
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const w = waiting.shift();
      if (w) w(l);
      else lines.push(l);
    });
    const ended = new Promise<string>((_, reject) =>
      child.on('close', (code) =>
        reject(new Error(`${argv[0]} ended (exit ${code}) before printing: ${stderr.trim().split('\n')[0] ?? ''}`)),
      ),
    );
    ended.catch(() => undefined);
    const line = (): Promise<string> => {
      const l = lines.shift();
      if (l !== undefined) return Promise.resolve(l);
      return Promise.race([new Promise<string>((r) => waiting.push(r)), ended, timeout(5000, `${argv[0]} printed nothing within 5 s`)]);
    };
    return { child, line };
  }

  /** Wait until every given process is gone; true if they all went within the time allowed. */
  async gone(refs: ProcRef[], ms = GONE_MS): Promise<boolean> {
    return waitUntil(() => refs.every((r) => !exists(r)), ms);
  }

  /** Destroy every chain (verified by the manager) and kill whatever else the lesson started. Idempotent. */
  cleanup(): Promise<void> {
    this.cleaned ??= (async () => {
      for (const c of this.children) c.stdin?.destroy();
      for (const r of this.extras) if (exists(r)) tryKill(r.pid);
      await this.manager.destroyAll();
      for (const r of this.extras) if (exists(r)) tryKill(r.pid);
      await this.gone(this.extras, 5000);
    })();
    return this.cleaned;
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(what)), ms).unref());
}
