// Process and file-system plumbing the harness needs to leave nothing behind:
// killing a whole process tree, finding a free port, temp folders owned by the user a server runs as.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** uid, gid and home of a local user, from the passwd database. */
export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function lookupUser(name: string): UserInfo {
  const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
  const [, , uid, gid, , home] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/** A fresh temp folder; chowned (recursively later via chownTree) when a server runs as another user. */
export function makeTempDir(prefix: string, owner?: UserInfo): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

export function chownTree(path: string, owner: UserInfo): void {
  chownSync(path, owner.uid, owner.gid);
  if (!statSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), owner);
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Asks the kernel for a free port on 127.0.0.1 (the tiny race until code-server binds it is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Parent pid of every live process, read from /proc/<pid>/stat (field 4, after the parenthesised comm). */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(rest[1]));
    } catch {
      // The process exited while we listed /proc.
    }
  }
  return parents;
}

/** The command line, arguments joined by spaces; '' once the process is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** root and all its descendants, root first. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentMap()) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills a detached child's process group AND every descendant that left the group
 * (code-server's extension hosts and pty hosts, helpers started through pkexec, setsid'ed leaves):
 * SIGTERM, then SIGKILL for whatever is still alive after graceMs.
 */
export async function killTree(root: number, graceMs = 3000): Promise<void> {
  const pids = descendants(root);
  signal(-root, 'SIGTERM');
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 50));
  signal(-root, 'SIGKILL');
  for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL');
}

/** SIGKILL straight away: the last resort at process 'exit' (no time to wait), or a leftover that must not linger. */
export function killTreeNow(root: number): void {
  const pids = descendants(root);
  signal(-root, 'SIGKILL');
  for (const pid of pids) signal(pid, 'SIGKILL');
}
