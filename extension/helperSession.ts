// Owns the helper child for the window: starts it through the privilege ladder, restarts it with backoff
// when it dies, keeps the live Snapshot by applying the helper's diffs, and implements SnapshotSource for
// the views. Polling (subscribe) runs only while at least one view is visible, like vscode-containers'
// RefreshManager: a hidden sidebar costs nothing; nor does a window that no longer answers (windowPresence.ts).
import * as vscode from 'vscode';
import type { HelperClient, HelperExit, RequestOptions, RequestParams } from '../helper-native/src/launch/helperClient';
import { applyDiff } from '../shared/core/diff';
import type { Snapshot } from '../shared/core/types';
import type { ChainInfo, HelloEvent, HelperEvent, HelperOp, LiveSource, ResultMap } from '../shared/helperProtocol';
import type { SnapshotChange, SnapshotSource } from './snapshotSource';

/** What a successful launch hands over; extension.ts adapts launchHelper to this. */
export interface LaunchedHelper {
  client: HelperClient;
  hello: HelloEvent;
}

export type Launcher = () => Promise<LaunchedHelper>;

/** A restart the session has scheduled after the helper died or failed to start: what the status bar shows. */
export interface PendingRestart {
  /** What happened, in the user's words: "killed by SIGKILL", "exit code 1", or the start error. */
  reason: string;
  delayMs: number;
  /** 1 for the first restart after a healthy run; grows with each failure in a row. */
  attempt: number;
  maxAttempts: number;
}

/** What the stream settings are, read from the configuration each time they are needed. */
export interface StreamSettings {
  intervalMs: number;
  /** pidnsExplorer.kernelEvents */
  events: boolean;
  /** pidnsExplorer.reconcileIntervalMs */
  reconcileMs: number;
}

/** "live (kernel events)" or "polling every 1 s": what the status bar and the log say about the stream. */
export function describeSource(source: LiveSource | undefined, intervalMs: number): string {
  if (source === undefined) return `polling every ${intervalMs / 1000} s`;
  return source.kind === 'kernel-events' ? 'live (kernel events)' : `polling every ${source.intervalMs / 1000} s`;
}

export type PrivilegeLabel = 'root' | 'pkexec' | 'sudo' | 'unprivileged' | 'stopped';

/** The mode the user sees, derived from what the helper itself reported (not from what we asked for). */
export function privilegeOf(hello: HelloEvent | undefined): PrivilegeLabel {
  if (!hello) return 'stopped';
  if (hello.uid !== 0) return 'unprivileged';
  return hello.via === 'direct' ? 'root' : hello.via;
}

const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** A helper that ran this long counts as healthy: the next crash restarts after the shortest delay again. */
const HEALTHY_AFTER_MS = 30_000;
/** Give up restarting after this many failures in a row; the user can restart from the status bar. */
const MAX_RESTARTS = 6;

export class HelperSession implements SnapshotSource, vscode.Disposable {
  private client: HelperClient | undefined;
  private helloEvent: HelloEvent | undefined;
  private snapshot: Snapshot | undefined;
  /** The snapshot is a stream's head (own namespace and init only): the full one is on its way. */
  private partial = false;
  private lastSeq = -1;
  private subscribed = false;
  /** Subscribed for the first model (views visible or not) and its full snapshot not yet in: see afterStart. */
  private firstPending = false;
  private readonly visibleViews = new Set<string>();
  /** The window answers (windowPresence.ts): views it showed count as visible only while it does. */
  private windowPresent = true;
  private liveSource: LiveSource | undefined;
  private readonly chainMap = new Map<string, ChainInfo>();
  private starting: Promise<HelperClient> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private startedAt = 0;
  /** When the running helper's start began (performance.now()), for the log's timings. */
  private startBegan = 0;
  private disposed = false;
  private lastError: Error | undefined;
  private pending: PendingRestart | undefined;

  private readonly changeEmitter = new vscode.EventEmitter<SnapshotChange>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly stateEmitter = new vscode.EventEmitter<void>();
  /** Helper started, stopped, or chains changed: for the status bar and context keys. */
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly eventEmitter = new vscode.EventEmitter<HelperEvent>();
  /** Every helper event (createProgress for the create command's progress bar). */
  readonly onHelperEvent = this.eventEmitter.event;

  constructor(
    private readonly launcher: Launcher,
    private readonly log: vscode.LogOutputChannel,
    private readonly streamSettings: () => StreamSettings,
    /** Called once per failed start, with the error; shows the actionable message. */
    private readonly onStartFailed: (error: Error) => void,
  ) {}

  current(): Snapshot | undefined {
    return this.snapshot;
  }

  get hello(): HelloEvent | undefined {
    return this.helloEvent;
  }

  get privilege(): PrivilegeLabel {
    return privilegeOf(this.helloEvent);
  }

  /** True while the helper streams diffs (some view is visible, or a new helper's first model is on its way). */
  get polling(): boolean {
    return this.subscribed;
  }

  /** What feeds the stream while subscribed (absent before the first subscribe, or from an old helper: polling). */
  get source(): LiveSource | undefined {
    return this.subscribed ? this.liveSource : undefined;
  }

  /** The poll interval the settings ask for. */
  get intervalMs(): number {
    return this.streamSettings().intervalMs;
  }

  get error(): Error | undefined {
    return this.lastError;
  }

  /** A helper is being started: launched (maybe elevated, pkexec or sudo asking), its hello not in yet. */
  get isStarting(): boolean {
    return this.starting !== undefined;
  }

  /** Set from the helper's death (or failed start) until a new helper said hello or restarting gave up. */
  get restarting(): PendingRestart | undefined {
    return this.pending;
  }

  chains(): ChainInfo[] {
    return [...this.chainMap.values()];
  }

  /** Inodes of every namespace of every chain created through this window. */
  createdInodes(): Set<number> {
    return new Set(this.chains().flatMap((c) => c.levels.map((l) => l.ns)));
  }

  setViewVisible(viewId: string, visible: boolean): void {
    if (visible) this.visibleViews.add(viewId);
    else this.visibleViews.delete(viewId);
    void this.syncPolling().catch((e: Error) => this.log.warn(`polling change failed: ${e.message}`));
  }

  /** The window went away (closed, asleep, disconnected) or answers again: the stream pauses or resumes. */
  setWindowPresent(present: boolean): void {
    if (present === this.windowPresent) return;
    this.windowPresent = present;
    this.log.info(
      present
        ? 'the window answers again: the live stream resumes (if a view is visible)'
        : 'the window has not answered for a while (closed, asleep or disconnected): the live stream is paused until it answers',
    );
    void this.syncPolling().catch((e: Error) => this.log.warn(`polling change failed: ${e.message}`));
  }

  /** Start the helper if it is not running; resolves with the client once `hello` arrived. */
  ensureStarted(): Promise<HelperClient> {
    if (this.client && !this.client.hasExited) return Promise.resolve(this.client);
    if (!this.starting) {
      this.starting = this.start().finally(() => {
        this.starting = undefined;
        if (!this.disposed) this.stateEmitter.fire();
      });
      this.stateEmitter.fire();
    }
    return this.starting;
  }

  async request<K extends HelperOp>(op: K, params: RequestParams<K>, options?: RequestOptions): Promise<ResultMap[K]> {
    const client = await this.ensureStarted();
    return client.request(op, params, options);
  }

  /** A snapshot no older than maxAgeMs (a fresh one is asked for when polling is off, e.g. for an editor hover). */
  async fresh(maxAgeMs: number): Promise<Snapshot | undefined> {
    const snap = this.snapshot;
    if (snap && !this.partial && (this.subscribed || Date.now() - snap.takenAt <= maxAgeMs)) return snap;
    return this.refresh();
  }

  /** Rescan now and replace the model with the result. */
  async refresh(): Promise<Snapshot> {
    const snap = await this.request('snapshot', {});
    this.replace(snap);
    return snap;
  }

  /** Stop the helper (its chains are torn down by it) and start a new one: after a privilege-mode change. */
  async restart(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.failures = 0;
    this.pending = undefined;
    const old = this.client;
    this.client = undefined;
    if (old) await old.dispose();
    this.resetState();
    await this.ensureStarted();
  }

  /** Interval or event settings changed: re-subscribing with the new ones is how the protocol changes them. */
  async applyPollInterval(): Promise<void> {
    if (this.subscribed && this.client) await this.subscribe(this.client);
  }

  private async subscribe(client: HelperClient): Promise<void> {
    const s = this.streamSettings();
    // The first subscribe of a helper that can: its head shows the tree's root while it scans everything.
    const head = this.helloEvent?.snapshotHead === true && this.lastSeq < 0 && this.snapshot === undefined ? { head: true } : {};
    const result = await client.request('subscribe', { intervalMs: s.intervalMs, events: s.events, reconcileMs: s.reconcileMs, ...head });
    this.setSource(result.source, s.intervalMs);
  }

  private setSource(source: LiveSource | undefined, intervalMs: number): void {
    const before = this.liveSource;
    this.liveSource = source;
    const what = describeSource(source, intervalMs);
    if (before?.kind !== source?.kind || before?.why !== source?.why) {
      this.log.info(
        `stream: ${what}${source ? `, because ${source.why}` : ' (this helper predates kernel events)'}${source?.reconcileMs ? `; reconciled every ${source.reconcileMs / 1000} s` : ''}`,
      );
    }
    if (source && before && source.overflows > before.overflows)
      this.log.warn(`the kernel dropped process events ${source.overflows} time(s); the helper resynchronised from /proc`);
    this.stateEmitter.fire();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    const client = this.client;
    this.client = undefined;
    if (client) await client.dispose();
    this.changeEmitter.dispose();
    this.stateEmitter.dispose();
    this.eventEmitter.dispose();
  }

  private async start(): Promise<HelperClient> {
    this.log.info('starting the helper');
    this.startBegan = performance.now();
    let launched: LaunchedHelper;
    try {
      launched = await this.launcher();
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.lastError = error;
      this.log.error(`helper start failed: ${error.message}`);
      this.onStartFailed(error);
      this.scheduleRestart(error.message);
      this.stateEmitter.fire();
      throw error;
    }
    if (this.disposed) {
      await launched.client.dispose();
      throw new Error('extension deactivated while the helper was starting');
    }
    this.attach(launched);
    return launched.client;
  }

  private attach({ client, hello }: LaunchedHelper): void {
    this.client = client;
    this.helloEvent = hello;
    this.lastError = undefined;
    this.pending = undefined;
    this.startedAt = Date.now();
    this.log.info(
      `helper running: pid ${hello.pid}, uid ${hello.uid}, via ${hello.via}, acting for ${hello.actingForUid ?? '-'}, kernel ${hello.kernel}, native init ${hello.nativeInit}, capabilities ${hello.capabilities.join(',') || 'none'}`,
    );
    client.onEvent((event) => this.onEvent(event));
    client.onStderr((line) => this.log.debug(`[helper] ${line}`));
    client.onExit((exit) => this.onExit(client, exit));
    this.stateEmitter.fire();
    void this.afterStart(client).catch((e: Error) => this.log.warn(`after start: ${e.message}`));
  }

  /** Learn the chains a previous window's helper may not have (a new helper has none) and the first model. */
  private async afterStart(client: HelperClient): Promise<void> {
    try {
      const { chains } = await client.request('chains', {});
      for (const c of chains) this.chainMap.set(c.chainId, c);
    } catch (e) {
      // A helper without chain support still shows the model; only create/destroy are missing.
      this.log.warn(`helper cannot list chains: ${(e as Error).message}`);
    }
    // The first model always comes through the stream, head first, whether a view is visible yet or not. At
    // window load VS Code reports the tree visible only after activation, often after the helper's hello; a
    // plain snapshot asked for meanwhile would hold the subscribe, and so the tree's first row, behind its
    // whole scan (2-6 s at 10,000 processes as the window loads). Once it is in, syncPolling unsubscribes
    // if no view is visible.
    this.subscribed = true;
    this.firstPending = true;
    this.lastSeq = -1;
    this.log.debug('first model: subscribing to the live stream');
    try {
      await this.subscribe(client);
    } catch (e) {
      this.firstPending = false;
      this.subscribed = false;
      throw e;
    }
  }

  private async syncPolling(): Promise<void> {
    const client = this.client;
    if (!client || client.hasExited) return;
    const want = this.windowPresent && this.visibleViews.size > 0;
    if (want === this.subscribed || this.firstPending) return;
    this.subscribed = want;
    if (want) {
      this.log.debug('a view is visible: subscribing to the live stream');
      this.lastSeq = -1;
      await this.subscribe(client);
    } else {
      this.log.debug(this.windowPresent ? 'no view visible: polling stopped' : 'the window is away: polling stopped');
      await client.request('unsubscribe', {});
    }
  }

  private onEvent(event: HelperEvent): void {
    switch (event.event) {
      case 'snapshot':
        // With timestamps, these lines say where the wait for the first view goes (the e2e bench reads them).
        if (this.lastSeq < 0 || this.partial || event.partial)
          this.log.info(
            `${event.partial ? 'head of the first snapshot' : 'snapshot'}: ${event.snapshot.namespaces.length} namespaces, ${event.snapshot.processes.length} processes, ${Math.round(performance.now() - this.startBegan)} ms after the helper's start began`,
          );
        this.lastSeq = event.seq;
        this.replace(event.snapshot, event.partial === true);
        if (this.firstPending && event.partial !== true) {
          this.firstPending = false;
          void this.syncPolling().catch((e: Error) => this.log.warn(`polling change failed: ${e.message}`));
        }
        break;
      case 'diff':
        this.onDiff(event.seq, event.diff);
        break;
      case 'chainExited':
        this.log.info(`chain ${event.chainId} ended: ${event.reason}${event.message ? ` (${event.message})` : ''}`);
        this.chainMap.delete(event.chainId);
        this.stateEmitter.fire();
        break;
      case 'log':
        this.log[event.level === 'warn' ? 'warn' : event.level](`[helper] ${event.message}`);
        break;
      case 'liveSource':
        this.setSource(event.source, event.source.intervalMs);
        break;
      default:
        break;
    }
    this.eventEmitter.fire(event);
  }

  private onDiff(seq: number, diff: Parameters<typeof applyDiff>[1]): void {
    if (!this.snapshot || (this.lastSeq >= 0 && seq !== this.lastSeq + 1)) {
      // A lost event means our model no longer matches the helper's baseline: take a full snapshot instead.
      this.log.warn(`diff ${seq} does not follow ${this.lastSeq}: resynchronising`);
      this.lastSeq = seq;
      void this.refresh().catch((e: Error) => this.log.warn(`resync failed: ${e.message}`));
      return;
    }
    this.lastSeq = seq;
    this.snapshot = applyDiff(this.snapshot, diff);
    this.changeEmitter.fire({ snapshot: this.snapshot, diff });
    this.stateEmitter.fire();
  }

  private replace(snapshot: Snapshot, partial = false): void {
    this.snapshot = snapshot;
    this.partial = partial;
    this.changeEmitter.fire({ snapshot });
    this.stateEmitter.fire();
  }

  /** Remember a chain this window created (the create command calls it with the response). */
  addChain(chain: ChainInfo): void {
    this.chainMap.set(chain.chainId, chain);
    this.stateEmitter.fire();
  }

  removeChain(chainId: string): void {
    this.chainMap.delete(chainId);
    this.stateEmitter.fire();
  }

  private onExit(client: HelperClient, exit: HelperExit): void {
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    if (this.client !== client) return; // an old client we replaced on purpose
    this.client = undefined;
    this.resetState();
    if (exit.disposed || this.disposed) {
      this.log.info(`helper stopped (${how})`);
      return;
    }
    this.log.error(`helper died (${how})${exit.stderrTail.length ? `; last stderr: ${exit.stderrTail.slice(-5).join(' | ')}` : ''}`);
    if (Date.now() - this.startedAt >= HEALTHY_AFTER_MS) this.failures = 0;
    this.scheduleRestart(how);
  }

  private resetState(): void {
    this.helloEvent = undefined;
    this.liveSource = undefined;
    this.subscribed = false;
    this.firstPending = false;
    this.lastSeq = -1;
    this.chainMap.clear();
    this.stateEmitter.fire();
  }

  private scheduleRestart(reason: string): void {
    if (this.disposed) return;
    if (this.failures >= MAX_RESTARTS) {
      this.pending = undefined;
      this.log.error(`helper failed ${this.failures} times in a row: not restarting; use the status bar item or "Refresh" to try again`);
      this.stateEmitter.fire();
      return;
    }
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** this.failures);
    this.failures++;
    this.pending = { reason, delayMs: delay, attempt: this.failures, maxAttempts: MAX_RESTARTS };
    this.log.info(`restarting the helper in ${delay} ms (attempt ${this.failures} of ${MAX_RESTARTS}) after: ${reason}`);
    // The status bar turns from "stopped" to "restarting" now that the delay is known.
    this.stateEmitter.fire();
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      void this.ensureStarted().catch(() => undefined);
    }, delay);
  }
}
