// The guided experiments in a real VS Code (code-server, Chromium, Playwright), as root: "Open Guided
// Experiments" from the palette opens the walkthrough with one unchecked step per lesson; the middle-level
// step's button runs the lesson through the product's commands, the kernel shows levels 1 and 2 of a new
// chain alive and levels 3 to 5 gone, the graph in the panel shows the step's caption while it runs, and the step
// checks itself (its completion event fired). Stopping the server leaves none of the chain behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { LESSONS } from '../../shared/core/lessons';
import { activityItem, openSession, runCommand, screenshot } from '../support';
import { commOf } from '../support/kernelTruth';
import { descendants } from '../support/processTree';

/** The chain anchors (pidns-chain) the server's helper started, and the inits below each. */
function chainsUnder(server: number): { anchor: number; inits: number[] }[] {
  return descendants(server)
    .filter((p) => commOf(p) === 'pidns-chain')
    .map((anchor) => ({ anchor, inits: descendants(anchor).filter((p) => /^pidns-(init|sleep)$/.test(commOf(p) ?? '')) }));
}

/**
 * Wait until some webview frame (the graph the lesson opens in the panel; the walkthrough's own markdown is a
 * webview too, and a webview's frames come and go) shows `text` in the graph's caption.
 */
async function graphCaption(page: Page, text: string, timeoutMs: number, consoleLines: string[]): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      const shown = await f
        .locator('#lesson-caption', { hasText: text })
        .isVisible()
        .catch(() => false);
      if (shown) return;
    }
    if (Date.now() > end) {
      // What each frame holds, so that a failure says whether the graph was there and what it showed.
      const seen = await Promise.all(
        page.frames().map(async (f) => {
          const c = await f
            .evaluate(() => {
              const el = document.getElementById('lesson-caption');
              const marks = (window as unknown as { __pidnsGraph?: Record<string, number> }).__pidnsGraph;
              const script = marks ? `script ran, marks ${Object.keys(marks).join(',')}` : 'script not run';
              if (el) return `caption ${el.hidden ? 'hidden' : 'shown'}: "${el.textContent}"; ${script}`;
              return document.getElementById('world') ? `graph, no caption; ${script}; ${document.readyState}` : 'other';
            })
            .catch((e: Error) => `unreadable (${e.message.split('\n')[0]})`);
          return `${f.url().slice(0, 80)}: ${c}`;
        }),
      );
      throw new Error(
        `no graph showed the caption "${text}" within ${timeoutMs} ms; frames:\n${seen.join('\n')}\nconsole:\n${consoleLines.join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("walkthrough: opens from the palette, a step's button runs its lesson with the product's commands and completes the step", async (t) => {
  const seen = new Set<number>();
  const { server, page } = await openSession(t, {
    workspacePrefix: 'pidns-walkthrough-',
    afterStop: () => {
      // The helper's shutdown tears its chains down, and stop() kills the server's tree: nothing may remain.
      const left = [...seen].filter((p) => commOf(p) !== undefined && /^pidns-/.test(commOf(p) ?? ''));
      assert.deepEqual(left, [], 'no process of the lesson remains after the server stopped');
    },
  });
  const consoleLines: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      consoleLines.push(`${m.type()} ${m.location().url.slice(-60)}: ${m.text().slice(0, 300)}`);
  });
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  // The activity-bar entry appears once the extension is registered; only then does the palette list its commands.
  await activityItem(page, 'PID Namespaces').waitFor({ state: 'visible', timeout: 60_000 });

  await runCommand(page, 'PID Namespaces: Open Guided Experiments');
  const steps = page.locator('button.getting-started-step');
  await page
    .locator('.gettingStartedContainer', { hasText: 'PID Namespaces: Guided Experiments' })
    .first()
    .waitFor({ state: 'visible', timeout: 20_000 });
  const ids = await steps.evaluateAll((els) => els.map((e) => e.getAttribute('data-step-id') ?? ''));
  assert.deepEqual(
    ids.map((id) => id.split('#').pop()),
    LESSONS.map((l) => l.name),
    'one step per lesson, in order',
  );
  const checked = await steps.evaluateAll((els) => els.map((e) => e.getAttribute('aria-checked')));
  assert.deepEqual(
    checked,
    LESSONS.map(() => 'false'),
    'no step is complete before its lesson ran',
  );

  const lesson = LESSONS.find((l) => l.name === 'middle')!;
  const step = page.locator('button.getting-started-step[data-step-id$="#middle"]');
  await step.click();
  const button = step.locator('button, a', { hasText: lesson.walkthrough.button }).first();
  await button.waitFor({ state: 'visible', timeout: 10_000 });
  await screenshot(page, 'walkthrough-1-middle-step');
  const clickedAt = Date.now();
  await button.click();
  // The graph shows the step's caption (its outlines lapse 6 s past the kill; the caption stays until closed).
  const caption = lesson.steps[1].highlight!;
  await graphCaption(page, caption, 30_000, consoleLines);
  await screenshot(page, 'walkthrough-1b-middle-highlight');
  await page
    .locator('button.getting-started-step[data-step-id$="#middle"][aria-checked="true"]')
    .waitFor({ state: 'attached', timeout: 60_000 })
    .catch(async (e: Error) => {
      await screenshot(page, 'walkthrough-failed');
      console.log(
        execFileSync('sh', ['-c', `find ${server.userDataDir} -name '*PID Namespaces*' -exec tail -n 15 {} +`], { encoding: 'utf8' }),
      );
      throw e;
    });
  const completedMs = Date.now() - clickedAt;
  await screenshot(page, 'walkthrough-2-middle-complete');

  // The kernel: one chain from the helper, of which only levels 1 and 2 (their inits) are left.
  const chains = chainsUnder(server.pid);
  for (const c of chains) [c.anchor, ...c.inits].forEach((p) => seen.add(p));
  assert.equal(chains.length, 1, `one chain under the server: ${JSON.stringify(chains)}`);
  assert.equal(chains[0].inits.length, 2, 'levels 1 and 2 stay, levels 3 to 5 are gone');
  const others = await steps.evaluateAll((els) =>
    els.filter((e) => !e.getAttribute('data-step-id')?.endsWith('#middle')).map((e) => e.getAttribute('aria-checked')),
  );
  assert.deepEqual(others, ['false', 'false', 'false', 'false', 'false'], 'only the step whose lesson ran is complete');
  console.log(`walkthrough: button → step complete in ${completedMs} ms`);
});
