// The pure parts of the lessons' graph highlight: every step the walkthrough outlines has its caption in
// shared/core/lessons.ts (scanned from lessonCommands.ts, so a new showStep without a caption fails here, not
// in front of a user), the model lookups that name cards and rows, and the re-parenting arrow's path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LESSONS } from '../../shared/core/lessons';
import { ModelIndex } from '../../shared/core/modelIndex';
import { nsRefs, procRefs, stepCaption } from '../../extension/lessons/lessonHighlight';
import { arrowPath } from '../../webview/highlight';
import { NS_DEV, seedChain } from '../webview/support/fixtures';
import { repoRoot } from '../support/paths';

test('every step lessonCommands outlines has a caption in the lessons, and only those steps have one', () => {
  const source = readFileSync(join(repoRoot(), 'extension', 'lessons', 'lessonCommands.ts'), 'utf8');
  const used = [...source.matchAll(/showStep\(ctx, '([^']+)', (\d+),/g)].map((m) => `${m[1]}#${m[2]}`);
  assert.ok(used.length >= 5, `found ${used.length} showStep calls`);
  for (const u of used) {
    const [lesson, step] = u.split('#');
    assert.ok(stepCaption(lesson, Number(step)).length > 10, u);
  }
  const captioned = LESSONS.flatMap((l) => l.steps.flatMap((s, i) => (s.highlight ? [`${l.name}#${i}`] : [])));
  assert.deepEqual([...new Set(used)].sort(), captioned.sort(), 'a caption no step shows would be dead text');
  assert.throws(() => stepCaption('orphan', 0), /orphan step 1 has no highlight caption/);
  assert.throws(() => stepCaption('no-such-lesson', 1), /no highlight caption/);
});

test('nsRefs and procRefs name what the model has, by (dev, inode) and (pid, start time), and skip the rest', () => {
  const seed = seedChain(3, 4);
  const view = new ModelIndex(seed.snapshot);
  assert.deepEqual(nsRefs(view, [seed.levels[1], 12345]), [{ dev: NS_DEV, inode: seed.levels[1] }]);
  assert.deepEqual(procRefs(view, [seed.leaf.pid, 99999]), [{ pid: seed.leaf.pid, startTime: seed.leaf.startTime }]);
});

test("the arrow leaves one row's edge, bows out to the right of both and ends at the other's", () => {
  const from = { x: 300, y: 120 };
  const to = { x: 300, y: 84 };
  const d = arrowPath(from, to);
  const nums = d.match(/-?\d+(\.\d+)?/g)!.map(Number);
  assert.deepEqual(nums.slice(0, 2), [300, 120], 'starts at the orphan row');
  assert.deepEqual(nums.slice(-2), [300, 84], 'ends at the parent row');
  const controlXs = [nums[2], nums[4]];
  for (const x of controlXs) assert.ok(x >= 340, `control point x ${x} clears the card edge`);
  const far = arrowPath({ x: 300, y: 400 }, to).match(/C(-?[\d.]+)/)![1];
  assert.ok(Number(far) > controlXs[0], 'rows further apart bow out further');
  // Rows of two cards: it bows out past the further right of the two edges.
  assert.ok(Number(arrowPath({ x: 500, y: 10 }, { x: 300, y: 200 }).match(/C(-?[\d.]+)/)![1]) > 500);
});
