// Real container engines for the container tests and bench, offline (recipes: ../shared/notes/containers.md): our
// own dockerd (and the containerd it starts), a busybox image made with `docker import`, containers made
// by docker, by `ctr` the way Kubernetes' CRI makes them, and by rootful podman. `stop()` removes every
// container, image and daemon started here, whatever state they are in (also a SIGSTOPped dockerd).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CONTAINERD_SOCK = '/run/docker/containerd/containerd.sock';
export const IMAGE = 'pidns-test-bb:1';
export const CTR_IMAGE = `docker.io/library/${IMAGE}`;

export function sh(cmd: string, args: string[], timeout = 60_000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

/** Best effort: for clean-up, where one failure must not stop the rest. */
function quiet(cmd: string, args: string[], timeout = 30_000): void {
  spawnSync(cmd, args, { stdio: 'ignore', timeout });
}

/** Alive and not a zombie (a child dockerd stays a zombie until this blocked event loop reaps it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class Engines {
  private dockerd: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'pidns-engines-'));
  private readonly dockerNames: string[] = [];
  private readonly ctrIds: string[] = [];
  private readonly podmanNames: string[] = [];
  private imageId = '';
  private ctrImported = false;

  get dockerdPid(): number {
    if (this.dockerd?.pid === undefined) throw new Error('dockerd not started');
    return this.dockerd.pid;
  }

  startDockerd(): void {
    for (const tool of ['dockerd', 'docker', 'ctr', 'podman', 'runc', 'busybox']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
        throw new Error(`${tool} is not installed (bash scripts/ensure-deps.sh installs it)`);
    }
    const running = spawnSync('pgrep', ['-x', 'dockerd'], { encoding: 'utf8' }).stdout.trim();
    // Another dockerd owns /var/run/docker.sock: this test freezes and stops its own, never someone else's.
    if (running !== '') throw new Error(`a dockerd not started by this test is running (pid ${running}); stop it first`);
    const log = openSync(join(this.dir, 'dockerd.log'), 'w');
    this.dockerd = spawn('dockerd', ['--iptables=false', '--bridge=none'], { stdio: ['ignore', log, log] });
    closeSync(log);
    for (let i = 0; i < 120; i++) {
      if (spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 }).status === 0) {
        // What an interrupted earlier run left (a killed test cannot clean up): our names only.
        const stale = spawnSync('docker', ['ps', '-aq', '--filter', 'name=^/pidns-'], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter((l) => l !== '');
        if (stale.length > 0) quiet('docker', ['rm', '-f', ...stale], 60_000 + 2_000 * stale.length);
        return;
      }
      if (this.dockerd.exitCode !== null) break;
      sleepMs(250);
    }
    throw new Error(`dockerd did not answer within 30 s (log: ${join(this.dir, 'dockerd.log')})`);
  }

  /** busybox-static as an image: bin/busybox and the applets the tests run. */
  importImage(): void {
    const root = join(this.dir, 'rootfs');
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
    for (const applet of ['sh', 'sleep', 'unshare', 'ps', 'ls', 'cat']) symlinkSync('busybox', join(root, 'bin', applet));
    // Removed by id at the end: by tag alone, an image untagged by a later import would stay behind.
    this.imageId = sh('sh', ['-c', `tar -C '${root}' -c . | docker import - ${IMAGE}`]);
  }

  get rootfs(): string {
    return join(this.dir, 'rootfs');
  }

  /** `docker run -d --name NAME --network none [EXTRA] IMAGE CMD…`; returns the full id. */
  docker(name: string, extra: string[], cmd: string[]): string {
    this.dockerNames.push(name);
    return sh('docker', ['run', '-d', '--name', name, '--network', 'none', ...extra, IMAGE, ...cmd]);
  }

  /** `count` sleeping containers PREFIX0…, started 4 at a time. */
  dockerMany(prefix: string, count: number): void {
    for (let i = 0; i < count; i++) this.dockerNames.push(`${prefix}${i}`);
    sh(
      'sh',
      ['-c', `seq 0 ${count - 1} | xargs -P 4 -I{} docker run -d --name '${prefix}{}' --network none ${IMAGE} sleep 100000 >/dev/null`],
      600_000,
    );
  }

  /** A container made with ctr the way the CRI makes a pod's container: k8s.io namespace, its labels and annotations. */
  ctrCri(id: string, pod: { name: string; namespace: string }, container: string, cmd: string[]): void {
    if (!this.ctrImported) {
      const tar = join(this.dir, 'image.tar');
      sh('docker', ['save', IMAGE, '-o', tar]);
      sh('ctr', ['-a', CONTAINERD_SOCK, '-n', 'k8s.io', 'image', 'import', tar]);
      this.ctrImported = true;
    }
    this.ctrIds.push(id);
    const kv = (flag: string, k: string, v: string): string[] => [flag, `${k}=${v}`];
    sh('ctr', [
      '-a',
      CONTAINERD_SOCK,
      '-n',
      'k8s.io',
      'run',
      '-d',
      ...kv('--label', 'io.kubernetes.pod.name', pod.name),
      ...kv('--label', 'io.kubernetes.pod.namespace', pod.namespace),
      ...kv('--label', 'io.kubernetes.container.name', container),
      ...kv('--annotation', 'io.kubernetes.cri.sandbox-name', pod.name),
      ...kv('--annotation', 'io.kubernetes.cri.sandbox-namespace', pod.namespace),
      ...kv('--annotation', 'io.kubernetes.cri.container-name', container),
      ...kv('--annotation', 'io.kubernetes.cri.container-type', 'container'),
      ...kv('--annotation', 'io.kubernetes.cri.image-name', CTR_IMAGE),
      CTR_IMAGE,
      id,
      ...cmd,
    ]);
  }

  /** Rootful podman on the image's folder (runc: crun refuses cgroup v1 hybrid here; lowered rlimits: root cannot raise them). */
  podman(name: string, cmd: string[]): string {
    this.podmanNames.push(name);
    return sh(
      'podman',
      [
        '--runtime',
        'runc',
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'none',
        '--ulimit',
        'nofile=4096:4096',
        '--ulimit',
        'nproc=4096:4096',
        '--rootfs',
        this.rootfs,
        ...cmd,
      ],
      120_000,
    );
  }

  stop(): void {
    if (this.dockerd?.pid !== undefined && this.dockerd.exitCode === null) process.kill(this.dockerd.pid, 'SIGCONT');
    for (const name of this.podmanNames) quiet('podman', ['rm', '-f', '-t', '0', name]);
    for (const id of this.ctrIds) {
      quiet('ctr', ['-a', CONTAINERD_SOCK, '-n', 'k8s.io', 'task', 'kill', '-s', 'SIGKILL', id]);
      for (
        let i = 0;
        i < 20 && spawnSync('ctr', ['-a', CONTAINERD_SOCK, '-n', 'k8s.io', 'task', 'rm', id], { stdio: 'ignore' }).status !== 0;
        i++
      )
        sleepMs(100);
      quiet('ctr', ['-a', CONTAINERD_SOCK, '-n', 'k8s.io', 'container', 'rm', id]);
    }
    if (this.ctrImported) quiet('ctr', ['-a', CONTAINERD_SOCK, '-n', 'k8s.io', 'image', 'rm', CTR_IMAGE]);
    // Generous time: removing 100 containers on a loaded 2-core machine takes well over 30 s.
    if (this.dockerNames.length > 0) quiet('docker', ['rm', '-f', ...this.dockerNames], 60_000 + 2_000 * this.dockerNames.length);
    if (this.imageId !== '') quiet('docker', ['rmi', '-f', this.imageId]);
    const d = this.dockerd;
    if (d?.pid !== undefined && d.exitCode === null) {
      // Its own containerd normally stops with it; if dockerd has to be killed, that one is killed too.
      const children = spawnSync('pgrep', ['-P', String(d.pid)], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => l !== '')
        .map(Number);
      d.kill('SIGTERM');
      for (let i = 0; i < 150 && alive(d.pid); i++) sleepMs(100);
      if (alive(d.pid)) d.kill('SIGKILL');
      for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    this.dockerd = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
