// The graph fed a real snapshot: the seed's 5 nested PID namespaces built with util-linux `unshare`
// (each level with its own /proc, as multi_pidns does), scanned by `node dist/pidns.js snapshot --json`.
// Needs root; everything created is one process group, killed at the end, which takes its mount
// namespaces with it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Snapshot } from '../../shared/core/types';
import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION } from '../../shared/webviewProtocol';
import { openGraph, useGraphEnv } from './support/harness';
import { nsKey } from '../../shared/core/identity';

const ROOT = join(__dirname, '..', '..', '..');
const DEPTH = 5;

const env = useGraphEnv();
let chain: ChildProcess | undefined;

after(async () => {
  if (chain?.pid) {
    try {
      process.kill(-chain.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function snapshot(): Snapshot {
  return JSON.parse(
    execFileSync(process.execPath, [join(ROOT, 'dist', 'pidns.js'), 'snapshot', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }),
  ) as Snapshot;
}

/** The leaf `sleep` of our chain: DEPTH+1 NSpid entries, below the namespace our first child opened. */
async function waitForLeaf(top: number): Promise<{ snap: Snapshot; levels: number[]; leafPid: number }> {
  for (let i = 0; i < 100; i++) {
    const snap = snapshot();
    const first = snap.processes.find((p) => p.ppid === top);
    const leaf =
      first && snap.processes.find((p) => p.comm === 'sleep' && p.nspid.length === DEPTH + 1 && chainOf(snap, p.ns).includes(first.ns));
    if (leaf) return { snap, levels: chainOf(snap, leaf.ns).slice(1), leafPid: leaf.pid };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the nested chain did not come up');
}

function chainOf(snap: Snapshot, inode: number): number[] {
  const out: number[] = [];
  for (let ns = snap.namespaces.find((n) => n.inode === inode); ns; ns = snap.namespaces.find((n) => n.inode === ns!.parent))
    out.unshift(ns.inode);
  return out;
}

test('a real 5-level chain: five nested cards and the leaf reads host 5 4 3 2 1', async () => {
  // Never skipped: without root the test fails and says why (CI runs as root).
  assert.equal(process.getuid?.(), 0, 'this test creates PID namespaces with unshare and needs root: run it as root');
  const argv: string[] = [];
  for (let i = 0; i < DEPTH; i++) argv.push('unshare', '--pid', '--fork', '--mount-proc');
  argv.push('sleep', '600');
  chain = spawn(argv[0], argv.slice(1), { detached: true, stdio: 'ignore' });
  const { snap, levels, leafPid } = await waitForLeaf(chain.pid!);
  assert.equal(levels.length, DEPTH);
  const g = await openGraph(env(), 'dark');
  try {
    await g.send({ type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG });
    const dev = snap.self.nsDev;
    // The chain is what this test created, as "Create Nested PID Namespaces" would: never grouped away,
    // however many sibling namespaces other processes on the machine have made.
    await g.send({ type: 'snapshot', snapshot: snap, created: levels.map((inode) => ({ dev, inode })) });
    // Every namespace is a card, or counted (with those nested below it) in one group card.
    const grouped = await g.page
      .locator('.card.group')
      .evaluateAll((es) =>
        es.reduce((n, e) => n + Number((e as HTMLElement).dataset.count) + Number((e as HTMLElement).dataset.nested), 0),
      );
    assert.equal((await g.page.locator('.card:not(.group)').count()) + grouped, snap.namespaces.length);
    for (const [i, ino] of levels.entries()) {
      const card = g.page.locator(`.card[data-key="${nsKey({ dev, inode: ino })}"]`);
      // textContent: other namespaces on the machine may make the fitted view so small that card text is hidden.
      assert.match((await card.locator('.meta').textContent()) ?? '', new RegExp(`^level ${i + 1} · `));
    }
    const leafRow = g.page.locator(`.card[data-key="${nsKey({ dev, inode: levels[DEPTH - 1] })}"] .row`);
    if ((await leafRow.count()) === 0)
      await g.send({ type: 'reveal', target: { kind: 'namespace', ns: { dev, inode: levels[DEPTH - 1] } } });
    assert.deepEqual(await leafRow.locator('.c').allTextContents(), [String(leafPid), '5', '4', '3', '2', '1']);
    assert.deepEqual(g.problems, []);
  } finally {
    await g.page.close();
  }
});
