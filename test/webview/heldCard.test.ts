// A namespace with no process, held by a bind mount or an open fd, in the graph: its card says so with the
// shared words (shared/core/holders.ts), is marked as empty-and-held, and goes when a diff removes it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION } from '../../shared/webviewProtocol';
import { emptyDiff, HOST_NS, NS_DEV, seedChain } from './support/fixtures';
import { openGraph, useGraphEnv } from './support/harness';
import { nsKey } from '../../shared/core/identity';

const env = useGraphEnv();
const HELD = 4026539001;

describe('held namespaces in the graph', () => {
  test('an empty namespace held by a mount: "no processes · held by mount", dotted, gone with the mount', async () => {
    const g = await openGraph(env(), 'dark');
    try {
      const seed = seedChain(2, 5);
      await g.send({ type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG });
      await g.send({ type: 'snapshot', snapshot: seed.snapshot });
      const held = {
        inode: HELD,
        dev: NS_DEV,
        parent: HOST_NS,
        level: 1,
        init: null,
        pids: [],
        hidden: true,
        heldBy: [{ kind: 'mount' as const, path: '/run/x' }],
      };
      await g.send({ type: 'diff', diff: { ...emptyDiff(), addedNamespaces: [held] } });
      const card = g.page.locator(`.card[data-key="${nsKey({ dev: NS_DEV, inode: HELD })}"]`);
      await card.waitFor();
      assert.equal(await card.locator('.meta').innerText(), 'level 1 · no processes · held by mount /run/x');
      assert.equal(await card.evaluate((e) => e.classList.contains('held-ns')), true, 'marked as empty and held');
      assert.equal(await card.evaluate((e) => e.classList.contains('hidden-ns')), false, 'not drawn as a plain hidden one');
      assert.match((await card.getAttribute('aria-label')) ?? '', /no processes · held by mount \/run\/x/);
      await g.send({ type: 'diff', diff: { ...emptyDiff(), removedNamespaces: [{ dev: NS_DEV, inode: HELD }] } });
      await g.page.waitForFunction(
        (sel) => document.querySelectorAll(sel).length === 0,
        `.card[data-key="${nsKey({ dev: NS_DEV, inode: HELD })}"]:not(.exit)`,
      );
      assert.deepEqual(g.problems, [], 'no console errors, page errors or CSP violations');
    } finally {
      await g.page.close();
    }
  });
});
