// The live graph's protocol in Debian's Chromium (issue 13, "send what is drawn"): the webview is sent
// namespaces, counts and inits, asks for the rows of the cards it draws, and asks the host to search.
// The host side is the real DrawnFeed (extension/graph/drawnFeed.ts), answering what the page posts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION, type HostToWebview } from '../../shared/webviewProtocol';
import { DrawnFeed } from '../../extension/graph/drawnFeed';
import type { Snapshot } from '../../shared/core/types';
import { HOST_NS, NS_DEV, siblings } from './support/fixtures';
import { openGraph, useGraphEnv, type GraphPage } from './support/harness';
import { nsKey } from '../../shared/core/identity';

const key = (inode: number): string => nsKey({ dev: NS_DEV, inode });
const env = useGraphEnv();

/** The host's half: answers every `draw` and `find` the page posted since the last call; the processes sent. */
function host(g: GraphPage, snap: Snapshot): { feed: DrawnFeed; pump(): Promise<number> } {
  const feed = new DrawnFeed();
  let seen = 0;
  return {
    feed,
    async pump(): Promise<number> {
      let sent = 0;
      for (let round = 0; round < 5; round++) {
        await g.page.waitForTimeout(50);
        const posted = (await g.posted()).slice(seen);
        seen += posted.length;
        const out: HostToWebview[] = [];
        for (const m of posted) {
          if (m.type === 'draw') {
            const rows = feed.rows(snap, m.namespaces);
            if (rows) out.push(rows);
          } else if (m.type === 'find') out.push(feed.find(snap, m.id, m.query));
        }
        if (out.length === 0) return sent;
        for (const m of out) {
          sent += m.type === 'rows' || m.type === 'found' ? m.processes.length : 0;
          await g.send(m);
        }
      }
      return sent;
    },
  };
}

describe('the graph sent what it draws', () => {
  test('300 siblings: cards from namespaces alone, rows after draw, a grouped process found through the host', async () => {
    const fixture = siblings(300);
    const snap = fixture.snapshot;
    const g = await openGraph(env(), 'dark');
    try {
      const h = host(g, snap);
      await g.send({ type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG });
      const first = h.feed.snapshot(snap);
      await g.send(first);
      assert.ok(first.snapshot.processes.length <= snap.namespaces.length, `${first.snapshot.processes.length} processes in the snapshot`);
      assert.ok((await g.page.locator('.card').count()) > 10, 'cards drawn from the namespaces alone');
      assert.equal(await g.page.locator('.row').count(), 0, 'no rows before they are sent');
      // The host's count stands for the rows not sent: the host's card says it, and is collapsed by it.
      const hostCount = snap.processes.filter((p) => p.ns === HOST_NS).length;
      assert.match(await g.page.locator(`.card[data-key="${key(HOST_NS)}"] .meta`).innerText(), new RegExp(`· ${hostCount} processes`));
      const draw = (await g.posted()).find((m) => m.type === 'draw');
      assert.ok(draw, 'the page asks for the rows it draws');
      const sent = await h.pump();
      const rows = await g.page.locator('.row').count();
      assert.ok(rows > 0, 'rows drawn once sent');
      assert.ok(
        await g.page.locator(`.card[data-key="${key(HOST_NS)}"]`).evaluate((e) => e.classList.contains('collapsed')),
        'the host card is collapsed by its count',
      );
      assert.ok(sent < snap.processes.length / 4, `${sent} of ${snap.processes.length} processes sent for the default view`);

      // A process in a namespace inside a closed group, by host PID: asked of the host, shown with its row.
      const drawn = new Set(await g.page.locator('.card').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.key)));
      const ns = snap.namespaces.filter((n) => n.parent === HOST_NS && !drawn.has(key(n.inode)) && n.pids.length > 1)[40];
      const proc = snap.processes.find((p) => p.pid === ns.pids[1])!;
      await g.page.locator('#search input').fill(String(proc.pid));
      assert.ok(
        (await g.posted()).some((m) => m.type === 'find' && m.query === String(proc.pid)),
        'the search asks the host',
      );
      await h.pump();
      await g.page.waitForTimeout(300); // the search box's refresh after the model grew
      await g.page.locator('#search input').press('Enter');
      await h.pump(); // the revealed card's rows
      await g.page.waitForTimeout(350);
      const row = g.page.locator(`.card[data-key="${key(ns.inode)}"] .row[data-key="${proc.pid}@${proc.startTime}"]`);
      assert.equal(await row.count(), 1, 'its row is drawn');
      assert.ok(await row.evaluate((e) => e.classList.contains('selected')), 'and selected');
      assert.deepEqual(g.problems, []);
    } finally {
      await g.page.close();
    }
  });
});
