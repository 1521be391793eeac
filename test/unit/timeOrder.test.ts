// countAtOrBefore: the one search over time-ordered lists (trace keyframes and entries, replay events).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countAtOrBefore } from '../../shared/core/timeOrder';

test('countAtOrBefore counts the items at or before t, equal times included, against a linear count', () => {
  const times = [0, 0, 5, 7, 7, 7, 12, 40];
  const timed = times.map((t) => ({ t }));
  for (let t = -1; t <= 41; t++) assert.equal(countAtOrBefore(timed, t), times.filter((x) => x <= t).length, `t=${t}`);
  assert.equal(countAtOrBefore([], 3), 0);
  assert.equal(countAtOrBefore([{ t: 3 }], 3), 1);
  assert.equal(countAtOrBefore([{ t: 3 }], 2.5), 0);
});
