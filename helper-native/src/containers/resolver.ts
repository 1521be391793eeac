// Names and metadata for containers, from the engine where it answers: Docker's Engine API (Podman's
// compatible one the same way), the runtime's OCI bundle for containerd and CRI-O, containers/storage's
// state file for Podman without its API service. LXC and nspawn ids are already their names.
//
// Never on the scan's path: lookups are asynchronous, cached per container id, each bounded by
// `timeoutMs`; an engine that fails (hung, dead, garbage, huge reply) is logged once, left alone for
// `retryMs`, and its containers keep the engine + short id label meanwhile.
import { existsSync } from 'node:fs';
import type { CgroupContainer } from '../../../shared/core/containerOf';
import { containerKey, type ContainerMeta } from '../../../shared/core/containers';
import type { ContainerEngine, ContainerRef } from '../../../shared/core/types';
import { listContainers, startListContainers } from './engineApi';
import { readBundleMeta, readStorageNames } from './ociBundle';

export interface ResolverOptions {
  /** Docker Engine API socket (default: DOCKER_HOST if unix://, else /var/run/docker.sock). */
  dockerSocket?: string;
  /** Podman's Docker-compatible API socket (default: CONTAINER_HOST if unix://, else /run/podman/podman.sock). */
  podmanSocket?: string;
  /** containerd shim v2 state roots, each holding `<namespace>/<id>/config.json`. */
  containerdRoots?: string[];
  /** CRI-O/Podman runtime dirs, each holding `<id>/userdata/config.json`. */
  crioRoots?: string[];
  /** containers/storage's containers.json (Podman names without its API). */
  storageFile?: string;
  /** Longest a single lookup may take (default 1000 ms). */
  timeoutMs?: number;
  /** How long a failed engine, or an id it did not know, is left alone before asking again (default 30 s). */
  retryMs?: number;
  log?: (message: string) => void;
}

function unixFromEnv(value: string | undefined): string | undefined {
  return value !== undefined && value.startsWith('unix://') ? value.slice('unix://'.length) : undefined;
}

interface Entry {
  meta: ContainerMeta;
  /** True when the engine answered for this id; false: fallback label, ask again after retryMs. */
  known: boolean;
  at: number;
}

export class ContainerResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Engine endpoint → when it failed; and whether that failure was already logged. */
  private readonly failed = new Map<string, number>();
  private readonly opts: Required<Omit<ResolverOptions, 'log'>> & { log: (m: string) => void };

  constructor(options: ResolverOptions = {}) {
    this.opts = {
      dockerSocket: options.dockerSocket ?? unixFromEnv(process.env.DOCKER_HOST) ?? '/var/run/docker.sock',
      podmanSocket: options.podmanSocket ?? unixFromEnv(process.env.CONTAINER_HOST) ?? '/run/podman/podman.sock',
      containerdRoots: options.containerdRoots ?? [
        '/run/containerd/io.containerd.runtime.v2.task',
        '/run/docker/containerd/daemon/io.containerd.runtime.v2.task',
      ],
      crioRoots: options.crioRoots ?? ['/run/containers/storage/overlay-containers'],
      storageFile: options.storageFile ?? '/var/lib/containers/storage/overlay-containers/containers.json',
      timeoutMs: options.timeoutMs ?? 1000,
      retryMs: options.retryMs ?? 30_000,
      log: options.log ?? (() => undefined),
    };
  }

  /** Engine API list calls started ahead of need (see prefetch), taken by the next lookup of that engine. */
  private readonly prefetched = new Map<'docker' | 'podman', ReturnType<typeof startListContainers>>();

  /**
   * Start the Docker (and Podman, if its socket exists) list call now, before the scan that will need
   * it: the engine answers on another core while this thread reads /proc. A failure surfaces (and is
   * logged) when a lookup takes the result.
   */
  prefetch(): void {
    for (const [engine, socket] of [
      ['docker', this.opts.dockerSocket],
      ['podman', this.opts.podmanSocket],
    ] as const) {
      if (this.prefetched.has(engine) || !existsSync(socket)) continue;
      const early = startListContainers(socket, this.opts.timeoutMs);
      early.list.catch(() => undefined); // observed later by fromApi; never an unhandled rejection
      this.prefetched.set(engine, early);
    }
  }

  /** Drop what is cached about containers not in `live` (a long-lived helper on a host where containers come and go). */
  retain(live: Iterable<ContainerRef>): void {
    const keep = new Set<string>();
    for (const ref of live) keep.add(containerKey(ref));
    for (const key of this.cache.keys()) if (!keep.has(key)) this.cache.delete(key);
  }

  /** Entries in each cache (the cache-bounds test holds them to what is live). */
  sizes(): Record<string, number> {
    return {
      containerMeta: this.cache.size,
      inFlight: this.inFlight.size,
      failedEngines: this.failed.size,
      prefetched: this.prefetched.size,
    };
  }

  /** What is known about a container now (synchronous, from the cache). */
  meta(ref: ContainerRef): ContainerMeta | undefined {
    return this.cache.get(containerKey(ref))?.meta;
  }

  /**
   * Look up every container not known yet. Resolves when all lookups finished or gave up (each within
   * timeoutMs); never rejects. True when something new was learned.
   */
  async resolve(refs: Iterable<CgroupContainer>): Promise<boolean> {
    const now = Date.now();
    // Engine → id → the first ref seen with it (the refs repeat once per process of a container).
    const byEngine = new Map<ContainerEngine, Map<string, CgroupContainer>>();
    for (const ref of refs) {
      let ids = byEngine.get(ref.engine);
      if (ids?.has(ref.id) === true) continue;
      const e = this.cache.get(containerKey(ref));
      if (e !== undefined && (e.known || now - e.at < this.opts.retryMs)) continue;
      if (ids === undefined) byEngine.set(ref.engine, (ids = new Map()));
      ids.set(ref.id, ref);
    }
    if (byEngine.size === 0) return false;
    const before = this.knownCount();
    const jobs: Promise<void>[] = [];
    for (const [engine, ids] of byEngine) jobs.push(this.once(engine, () => this.lookup(engine, [...ids.values()])));
    await Promise.all(jobs);
    return this.knownCount() !== before;
  }

  private knownCount(): number {
    let n = 0;
    for (const e of this.cache.values()) if (e.known) n++;
    return n;
  }

  /** One lookup per engine at a time; a caller arriving meanwhile waits for it. */
  private once(engine: string, run: () => Promise<void>): Promise<void> {
    const running = this.inFlight.get(engine);
    if (running !== undefined) return running;
    const p = run()
      .catch((err: unknown) => this.opts.log(`containers: ${engine} lookup failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => this.inFlight.delete(engine));
    this.inFlight.set(engine, p);
    return p;
  }

  private set(engine: ContainerEngine, id: string, meta: ContainerMeta | null): void {
    this.cache.set(containerKey({ engine, id }), { meta: meta ?? {}, known: meta !== null, at: Date.now() });
  }

  private async lookup(engine: ContainerEngine, refs: CgroupContainer[]): Promise<void> {
    switch (engine) {
      case 'docker':
        return this.fromApi('docker', this.opts.dockerSocket, refs, true);
      case 'podman':
        return this.fromApi('podman', this.opts.podmanSocket, refs, false);
      case 'containerd':
        return this.fromBundles(refs, (r) => this.opts.containerdRoots.map((root) => `${root}/${r.namespace ?? 'default'}/${r.id}`));
      case 'cri-o':
        return this.fromBundles(refs, (r) => this.opts.crioRoots.map((root) => `${root}/${r.id}/userdata`));
      case 'lxc':
      case 'nspawn':
        for (const r of refs) this.set(engine, r.id, { name: r.id });
        return;
    }
  }

  /** Engine API list call; on failure the containers keep the fallback label and the failure is logged once. */
  private async fromApi(engine: 'docker' | 'podman', socket: string, refs: CgroupContainer[], logMissing: boolean): Promise<void> {
    const endpoint = `${engine} engine API at ${socket}`;
    const failedAt = this.failed.get(endpoint);
    let listed: Map<string, ContainerMeta> | null = null;
    if (failedAt === undefined || Date.now() - failedAt >= this.opts.retryMs) {
      try {
        const early = this.prefetched.get(engine);
        this.prefetched.delete(engine);
        // An answer already there is taken on this turn (see PendingGet.takeNow).
        early?.takeNow();
        listed = await (early?.list ?? listContainers(socket, this.opts.timeoutMs));
        if (failedAt !== undefined) this.opts.log(`containers: ${endpoint} answers again`);
        this.failed.delete(endpoint);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        const absent = /ENOENT/.test(why);
        if (failedAt === undefined && (logMissing || !absent)) {
          this.opts.log(
            `containers: ${endpoint} failed (${why}); its containers are labelled '${engine} <short id>' (retry in ${Math.round(this.opts.retryMs / 1000)} s)`,
          );
        }
        this.failed.set(endpoint, Date.now());
      }
    }
    // Podman without its API service: names from its storage state file.
    const names =
      listed === null && engine === 'podman'
        ? await withTimeout(readStorageNames(this.opts.storageFile), this.opts.timeoutMs, new Map<string, string>())
        : null;
    for (const r of refs) {
      const meta = listed?.get(r.id) ?? (names?.has(r.id) ? { name: names.get(r.id) } : undefined);
      this.set(engine, r.id, meta ?? null);
    }
  }

  private async fromBundles(refs: CgroupContainer[], dirsOf: (r: CgroupContainer) => string[]): Promise<void> {
    await Promise.all(
      refs.map(async (r) => {
        let meta: ContainerMeta | null = null;
        for (const dir of dirsOf(r)) {
          meta = await withTimeout(readBundleMeta(dir), this.opts.timeoutMs, null);
          if (meta !== null) break;
        }
        this.set(r.engine, r.id, meta);
      }),
    );
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}
