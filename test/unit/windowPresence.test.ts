// WindowPresence (extension/windowPresence.ts) with mocked timers: a window that answers stays present and is
// asked again after each answer; a question unanswered for awayAfterMs makes it away, once, with no second
// question piling up while the first is unanswered; the late answer makes it present again and the questions
// go on; a refusal is an answer; dispose stops it all.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { WindowPresence } from '../../extension/windowPresence';

interface Question {
  answer: () => void;
  refuse: () => void;
}

/** A window whose answers the test gives, and the presence watching it. */
function watch(t: TestContext): { questions: Question[]; changes: boolean[]; presence: WindowPresence } {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const questions: Question[] = [];
  const changes: boolean[] = [];
  const presence = new WindowPresence({
    ask: () =>
      new Promise<void>((resolve, reject) => {
        questions.push({ answer: resolve, refuse: () => reject(new Error('no such command')) });
      }),
    onChange: (present) => changes.push(present),
    intervalMs: 5_000,
    awayAfterMs: 15_000,
  });
  t.after(() => presence.dispose());
  return { questions, changes, presence };
}

/** Let the answers' promise callbacks run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a window that answers stays present and is asked again after each answer', async (t) => {
  const { questions, changes, presence } = watch(t);
  assert.equal(questions.length, 1, 'asked at once');
  for (let i = 0; i < 5; i++) {
    t.mock.timers.tick(1_000);
    questions[i].answer();
    await settle();
    t.mock.timers.tick(4_999);
    assert.equal(questions.length, i + 1, 'not asked again before the interval');
    t.mock.timers.tick(1);
    assert.equal(questions.length, i + 2, 'asked again one interval after the answer');
  }
  assert.deepEqual(changes, []);
  assert.equal(presence.isPresent, true);
});

test('an unanswered question makes the window away once; its late answer brings it back', async (t) => {
  const { questions, changes, presence } = watch(t);
  t.mock.timers.tick(14_999);
  assert.deepEqual(changes, [], 'still present just before awayAfterMs');
  t.mock.timers.tick(1);
  assert.deepEqual(changes, [false], 'away at awayAfterMs');
  assert.equal(presence.isPresent, false);
  t.mock.timers.tick(3_600_000);
  assert.equal(questions.length, 1, 'no second question while the first is unanswered');
  assert.deepEqual(changes, [false], 'away is said once');
  questions[0].answer();
  await settle();
  assert.deepEqual(changes, [false, true], 'present again when the answer comes');
  t.mock.timers.tick(5_000);
  assert.equal(questions.length, 2, 'and asked again one interval later');
  questions[1].answer();
  await settle();
  t.mock.timers.tick(60_000);
  assert.deepEqual(changes, [false, true], 'a window that answers again stays present');
});

test('a refusal is an answer', async (t) => {
  const { questions, changes } = watch(t);
  questions[0].refuse();
  await settle();
  t.mock.timers.tick(5_000);
  assert.equal(questions.length, 2);
  t.mock.timers.tick(20_000);
  assert.deepEqual(changes, [false], 'the second question, unanswered, still counts');
});

test('dispose stops the questions and the verdicts', async (t) => {
  const { questions, changes, presence } = watch(t);
  presence.dispose();
  t.mock.timers.tick(20_000);
  questions[0].answer();
  await settle();
  t.mock.timers.tick(20_000);
  assert.equal(questions.length, 1);
  assert.deepEqual(changes, []);
});
