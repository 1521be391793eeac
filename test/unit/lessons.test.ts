// The lessons' one source of truth (shared/core/lessons.ts) and what is derived from it: the walkthrough's
// markdown files must be exactly what walkthroughMarkdown generates (PIDNS_WRITE_WALKTHROUGH=1 rewrites them),
// and the manifest's walkthrough must have one step per lesson whose button runs that lesson and which
// completes on that lesson's context key. Whether the facts hold is test/integration/lessons.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LESSONS,
  RUN_LESSON_COMMAND,
  factLine,
  factsOf,
  judge,
  lessonDoneContext,
  lessonListText,
  walkthroughMarkdown,
} from '../../shared/core/lessons';
import { repoRoot } from '../support/paths';

interface WalkthroughStep {
  id: string;
  title: string;
  description: string;
  media: { markdown: string };
  completionEvents: string[];
}

function manifest(): {
  contributes: {
    walkthroughs: { id: string; steps: WalkthroughStep[] }[];
    commands: { command: string }[];
    viewsWelcome: { contents: string }[];
  };
} {
  return JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
}

test('the walkthrough markdown files are generated from the lessons, word for word', () => {
  for (const l of LESSONS) {
    const path = join(repoRoot(), 'media', 'walkthrough', `${l.name}.md`);
    const want = walkthroughMarkdown(l);
    if (process.env.PIDNS_WRITE_WALKTHROUGH === '1') writeFileSync(path, want);
    assert.equal(
      readFileSync(path, 'utf8'),
      want,
      `${path} differs from walkthroughMarkdown('${l.name}'): run with PIDNS_WRITE_WALKTHROUGH=1`,
    );
    for (const f of factsOf(l)) assert.ok(want.includes(f.claim), `${l.name}.md states ${f.id}`);
  }
});

test("the manifest's walkthrough has one step per lesson: its markdown, a button running it, completion on its context key", () => {
  const m = manifest();
  const w = m.contributes.walkthroughs.find((x) => x.id === 'pidnsExplorer.lessons');
  assert.ok(w, 'walkthrough pidnsExplorer.lessons is contributed');
  assert.deepEqual(
    w.steps.map((s) => s.id),
    LESSONS.map((l) => l.name),
  );
  for (const [i, s] of w.steps.entries()) {
    const l = LESSONS[i];
    assert.equal(s.title, l.title);
    assert.equal(s.media.markdown, `media/walkthrough/${l.name}.md`);
    assert.deepEqual(s.completionEvents, [`onContext:${lessonDoneContext(l.name)}`]);
    const link = /\[([^\]]+)\]\(command:([\w.]+)\?([^)]+)\)/.exec(s.description);
    assert.ok(link, `step ${l.name} has a button`);
    assert.equal(link[1], l.walkthrough.button);
    assert.equal(link[2], RUN_LESSON_COMMAND);
    assert.deepEqual(JSON.parse(decodeURIComponent(link[3])), [l.name]);
  }
  const commands = m.contributes.commands.map((c) => c.command);
  assert.ok(commands.includes(RUN_LESSON_COMMAND) && commands.includes('pidnsExplorer.openLessons'));
  assert.match(m.contributes.viewsWelcome[0].contents, /\(command:pidnsExplorer\.openLessons\)/);
});

test('facts: ids unique and named after their lesson, every lesson listed by pidns demo', () => {
  const ids = LESSONS.flatMap((l) => factsOf(l).map((f) => f.id));
  assert.equal(new Set(ids).size, ids.length);
  for (const l of LESSONS) {
    const prefixes = l.name === 'unshare-setns' ? ['unshare.', 'setns.'] : [`${l.name}.`];
    for (const f of factsOf(l))
      assert.ok(
        prefixes.some((p) => f.id.startsWith(p)),
        f.id,
      );
    assert.match(lessonListText(), new RegExp(`^  ${l.name} +\\S`, 'm'));
  }
});

test('judge compares by structure; the printed line says what the kernel gave and, when it differs, what was claimed', () => {
  const fact = { id: 'x.y', claim: 'The leaf reads 5 4 3 2 1.', expect: [5, 4, 3, 2, 1] };
  assert.equal(judge(fact, [5, 4, 3, 2, 1]).ok, true);
  assert.equal(judge(fact, [5, 4, 3, 2]).ok, false);
  assert.equal(judge(fact, '5 4 3 2 1').ok, false);
  assert.equal(judge({ ...fact, expect: 0 }, null).ok, false);
  assert.equal(factLine(fact, judge(fact, [5, 4, 3, 2, 1])), '  ✓ The leaf reads 5 4 3 2 1. (kernel: [5, 4, 3, 2, 1])');
  assert.equal(factLine(fact, judge(fact, [1])), '  ✗ The leaf reads 5 4 3 2 1. (kernel: [1], expected [5, 4, 3, 2, 1])');
});
