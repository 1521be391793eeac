// The suite's helper-restart test SIGKILLs the helper. In the non-root run the helper is root (pkexec) and the
// extension host is not, so it cannot: this root test process does it on the suite's request, over HTTP on
// 127.0.0.1, and only to a process that runs `pidns.js helper` as a child of the given user's process.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HelperKiller {
  /** For the extension host's environment: PIDNS_TEST_KILL_URL. */
  url: string;
  /** Pids killed so far. */
  killed: number[];
  close(): Promise<void>;
}

function field(pid: number, name: string): string | undefined {
  try {
    return new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Why pid may not be killed, or undefined: it must run `pidns.js helper` and its parent must belong to uid. */
function refusal(pid: number, uid: number): string | undefined {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return `no process ${pid}`;
  }
  if (!/pidns\.js\0helper\0/.test(cmdline)) return `${pid} is not a pidns helper: ${cmdline.split('\0').join(' ')}`;
  const ppid = Number(field(pid, 'PPid'));
  const parentUid = Number(field(ppid, 'Uid')?.split(/\s+/)[0]);
  if (parentUid !== uid) return `${pid}'s parent ${ppid} runs as uid ${parentUid}, not ${uid}`;
  return undefined;
}

export async function startHelperKiller(uid: number): Promise<HelperKiller> {
  const killed: number[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const pid = Number(url.searchParams.get('pid'));
    if (url.pathname !== '/kill' || !Number.isInteger(pid) || pid <= 1) return void res.writeHead(400).end('usage: /kill?pid=N');
    const why = refusal(pid, uid);
    if (why) return void res.writeHead(403).end(why);
    process.kill(pid, 'SIGKILL');
    killed.push(pid);
    res.writeHead(200).end('killed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    killed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
