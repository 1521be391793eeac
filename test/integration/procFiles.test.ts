// The raw /proc reads (helper-native/src/scan/procFiles.ts over sys/procIo.ts) against what Node's own fs
// reads of the same files and links say, on the real kernel: texts (also past the 16 KiB buffer), namespace
// links parsed from bytes, a directory's fd links listed by getdents and read relative to it, and the same
// 'gone' / 'denied' answers the scan's races rely on. The child processes are killed in t.after.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { listPids, nsLinksIn, ProcDir, readNsInode, readProcText } from '../../helper-native/src/scan/procFiles';
import { waitFor } from './support/discovery';

function inodeOf(link: string): number {
  return Number(/\[(\d+)\]$/.exec(readlinkSync(link))?.[1]);
}

/** A sleeping child; `opens` are opened as fds 3, 4, … (bash redirections). Killed in t.after. */
async function child(t: TestContext, opens: string[] = [], env?: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const redirections = opens.map((p, i) => `exec ${i + 3}<${p}`).join('; ');
  const c = spawn('bash', ['-c', `${redirections}${redirections ? '; ' : ''}echo ready; exec sleep 600`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(env === undefined ? {} : { env }),
  });
  t.after(() => {
    c.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    c.stdout?.once('data', () => resolve());
    c.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  await asleep(c.pid as number);
  return c;
}

/**
 * Until the child runs `sleep` and sleeps in it: between bash's `echo ready` and that, exec and the dynamic loader
 * open and close files of their own (one read of its fds counted 8, the next 9).
 */
async function asleep(pid: number): Promise<void> {
  await waitFor(() => readFileSync(`/proc/${pid}/stat`, 'utf8').includes(' (sleep) S '), 5000, `child ${pid} asleep in sleep`);
}

test('texts and namespace links read as Node reads them; gone for a PID that is not there', () => {
  const status = readProcText('/proc/self/status');
  assert.ok(status.ok);
  assert.match(status.value, /^Name:\t/);
  const until = readProcText('/proc/self/status', 'NSpid:');
  assert.ok(until.ok);
  assert.ok(until.value.endsWith('\n') && /\nNSpid:[^\n]*\n$/.test(until.value), 'cut after the NSpid line');
  for (const type of ['pid', 'mnt', 'net'])
    assert.deepEqual(readNsInode(`/proc/self/ns/${type}`, type), { ok: true, value: inodeOf(`/proc/self/ns/${type}`) });
  assert.deepEqual(readNsInode('/proc/self/ns/mnt', 'pid'), { ok: false, why: 'gone' }, 'a link of another type');
  assert.deepEqual(readNsInode('/proc/self/exe'), { ok: false, why: 'gone' }, 'not a namespace link');
  assert.deepEqual(readNsInode('/proc/999999999/ns/pid'), { ok: false, why: 'gone' });
  assert.deepEqual(readProcText('/proc/999999999/status'), { ok: false, why: 'gone' });
  assert.deepEqual(ProcDir.open('/proc/999999999'), { ok: false, why: 'gone' });
});

test('a text longer than the first 16 KiB buffer is read whole', async (t) => {
  // environ is generated whole on each read, as status, stat and cgroup are (the scan stops at a short read).
  const c = await child(t, [], { ...process.env, PIDNS_LONG: 'x'.repeat(40 * 1024) });
  const r = readProcText(`/proc/${c.pid}/environ`);
  assert.ok(r.ok);
  assert.equal(r.value, readFileSync(`/proc/${c.pid}/environ`, 'utf8'));
  assert.ok(r.value.length > 40 * 1024);
});

test('ProcDir reads the files of the process it opened, and answers gone once that process is gone', async (t) => {
  const c = await child(t);
  const opened = ProcDir.open(`/proc/${c.pid}`);
  assert.ok(opened.ok);
  const dir = opened.value;
  try {
    const stat = dir.text('stat');
    assert.ok(stat.ok);
    // The pid and the start time (field 22): the rest moves while the child execs into sleep.
    const identity = (text: string): string[] => [text.slice(0, text.indexOf(' ')), text.slice(text.lastIndexOf(') ') + 2).split(' ')[19]];
    assert.deepEqual(identity(stat.value), identity(readFileSync(`/proc/${c.pid}/stat`, 'utf8')));
    assert.equal(identity(stat.value)[0], String(c.pid));
    assert.deepEqual(dir.nsInode('ns/pid'), { ok: true, value: inodeOf(`/proc/${c.pid}/ns/pid`) });
    c.kill('SIGKILL');
    await new Promise((resolve) => c.once('exit', resolve));
    // Reaped: its /proc/PID is gone, and so is everything read through the fd opened before.
    assert.deepEqual(dir.text('stat'), { ok: false, why: 'gone' });
    assert.deepEqual(dir.nsInode('ns/pid'), { ok: false, why: 'gone' });
  } finally {
    dir.close();
  }
});

test('nsLinksIn lists the fds that hold a PID namespace, with its inode, among files, pipes and other namespaces', async (t) => {
  const c = await child(t, ['/proc/self/ns/pid', '/etc/hostname', '/proc/self/ns/mnt', '/proc/self/ns/pid_for_children']);
  const found: Array<[string, number]> = [];
  const r = nsLinksIn(`/proc/${c.pid}/fd`, 'pid', (name, inode) => found.push([name, inode]));
  assert.ok(r.ok);
  assert.equal(r.value, readdirSync(`/proc/${c.pid}/fd`).length, 'every fd counted');
  // bash's own `/proc/self` was bash, the child: fds 3 and 6 hold its PID namespace (pid_for_children is the same).
  const own = inodeOf(`/proc/${c.pid}/ns/pid`);
  assert.deepEqual(
    found.sort((a, b) => Number(a[0]) - Number(b[0])),
    [
      ['3', own],
      ['6', own],
    ],
  );
  c.kill('SIGKILL');
  await new Promise((resolve) => c.once('exit', resolve));
  assert.deepEqual(
    nsLinksIn(`/proc/${c.pid}/fd`, 'pid', () => assert.fail('nothing to list')),
    { ok: false, why: 'gone' },
  );
});

test('nsLinksIn reads a directory longer than one getdents buffer (2,000 fds)', async (t) => {
  const c = spawn(
    'bash',
    ['-c', 'for i in $(seq 2000); do exec {x}</etc/hostname; done; exec {y}</proc/self/ns/pid; echo $y; exec sleep 600'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.after(() => {
    c.kill('SIGKILL');
  });
  const last = await new Promise<string>((resolve, reject) => {
    c.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    c.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  const found: string[] = [];
  const r = nsLinksIn(`/proc/${c.pid}/fd`, 'pid', (name) => found.push(name));
  assert.ok(r.ok);
  assert.equal(r.value, readdirSync(`/proc/${c.pid}/fd`).length);
  assert.ok(r.value > 2000);
  assert.deepEqual(found, [last]);
});

test("another user's fds and namespace links are denied to an unprivileged reader, as Node's fs says", async (t) => {
  // Root reads everything; the check runs the reads in a child as nobody against a root-owned process.
  const c = await child(t, ['/proc/self/ns/pid']);
  const script = `
    const { nsLinksIn, readNsInode } = require(${JSON.stringify(require.resolve('../../helper-native/src/scan/procFiles'))});
    const fs = require('node:fs');
    let node; try { fs.readdirSync('/proc/${c.pid}/fd'); node = 'ok'; } catch (e) { node = e.code; }
    console.log(JSON.stringify({ node, fds: nsLinksIn('/proc/${c.pid}/fd', 'pid', () => {}), ns: readNsInode('/proc/${c.pid}/ns/pid') }));`;
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', script], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    p.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`reader exited ${code}`))));
  });
  const r = JSON.parse(out) as { node: string; fds: unknown; ns: unknown };
  assert.equal(r.node, 'EACCES');
  assert.deepEqual(r.fds, { ok: false, why: 'denied' });
  assert.deepEqual(r.ns, { ok: false, why: 'denied' });
});

test('listPids lists the PIDs readdir lists, past one getdents buffer of /proc, and throws for a directory that is not there', async (t) => {
  // 1,500 more processes: /proc's listing then takes more than one 32 KiB getdents buffer.
  const many = spawn('bash', ['-c', 'for i in $(seq 1500); do sleep 600 & done; echo ready; wait'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  t.after(() => {
    if (many.pid !== undefined) process.kill(-many.pid, 'SIGKILL');
  });
  await new Promise<void>((resolve) => many.stdout?.once('data', () => resolve()));
  const before = new Set(
    readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number),
  );
  const listed = listPids('/proc');
  const after = new Set(
    readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number),
  );
  assert.ok(listed.length > 1500, `${listed.length} PIDs listed`);
  assert.equal(new Set(listed).size, listed.length, 'no PID twice');
  // Others on the machine fork and exit meanwhile: every PID in both readdirs is listed, and every PID listed is in one of them.
  for (const pid of before) if (after.has(pid)) assert.ok(listed.includes(pid), `PID ${pid} listed`);
  for (const pid of listed) assert.ok(before.has(pid) || after.has(pid), `PID ${pid} is a process`);
  assert.throws(() => listPids('/nonexistent-proc'), /open \/nonexistent-proc: ENOENT/);
});
