// The tree's switchable source (extension/trace/followedSource.ts): the live model, or a trace editor's moment
// while that editor is active; what it fires when (the tree repaints once on a switch), the message it makes,
// and the package.json `when` clauses that hide the live-acting row commands while the tree shows a trace.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Snapshot } from '../../shared/core/types';
import type { SnapshotChange, SnapshotSource } from '../../extension/snapshotSource';
import { FollowedSource, formatTracePosition, traceTreeMessage, type TraceMoment } from '../../extension/trace/followedSource';
import { repoRoot } from '../support/paths';

function snap(takenAt: number): Snapshot {
  return { self: { ns: 1, nsDev: 4, pid: 1 }, namespaces: [], processes: [], unreadable: 0, takenAt } as unknown as Snapshot;
}

/** A live source whose snapshot and changes the test sets. */
class FakeLive implements SnapshotSource {
  snapshot: Snapshot | undefined = snap(1);
  visible: [string, boolean][] = [];
  private readonly listeners: ((c: SnapshotChange) => void)[] = [];
  current(): Snapshot | undefined {
    return this.snapshot;
  }
  onDidChange = (l: (c: SnapshotChange) => unknown): { dispose(): void } => {
    this.listeners.push(l);
    return { dispose: () => this.listeners.splice(this.listeners.indexOf(l), 1) };
  };
  setViewVisible(viewId: string, visible: boolean): void {
    this.visible.push([viewId, visible]);
  }
  change(s: Snapshot): void {
    this.snapshot = s;
    for (const l of this.listeners) l({ snapshot: s });
  }
}

function moment(snapshot: Snapshot, t: number, uri = 'file:///tmp/web.trace.jsonl.gz'): TraceMoment {
  return { uri, file: uri.slice(uri.lastIndexOf('/') + 1), t, snapshot };
}

test('live until a trace is followed, the trace while it is, live again after; one switch fired each way', () => {
  const live = new FakeLive();
  const src = new FollowedSource(live);
  const fired: SnapshotChange[] = [];
  const moments: (TraceMoment | undefined)[] = [];
  src.onDidChange((c) => fired.push(c));
  src.onDidChangeMoment((m) => moments.push(m));

  live.change(snap(2));
  assert.equal(src.current(), live.snapshot);
  assert.equal(fired.length, 1, 'live changes pass through while live');
  assert.equal(fired[0].switched, undefined);

  const a = snap(100);
  src.follow(moment(a, 1000));
  assert.equal(src.current(), a);
  assert.equal(src.followed?.t, 1000);
  assert.deepEqual(
    fired.slice(1).map((c) => [c.snapshot, c.switched]),
    [[a, true]],
    'following fires one switch with the trace state',
  );

  live.change(snap(3));
  assert.equal(src.current(), a, 'the live model does not show through while a trace is followed');
  assert.equal(fired.length, 2, 'and its changes are not fired');

  // Another moment with the same state (a step between two recorded changes): no redraw, but the moment moves.
  src.follow(moment(a, 1500));
  assert.equal(fired.length, 2);
  assert.equal(moments.at(-1)?.t, 1500);
  // Another state of the same trace: an ordinary change, not a switch (the tree's calm refresh applies).
  const b = snap(200);
  src.follow(moment(b, 2000));
  assert.deepEqual([fired.at(-1)?.snapshot, fired.at(-1)?.switched], [b, false]);
  // Another trace: a switch.
  src.follow(moment(b, 2000, 'file:///tmp/other.trace.jsonl'));
  assert.equal(fired.at(-1)?.switched, true);

  src.follow(undefined);
  assert.equal(src.current(), live.snapshot);
  assert.equal(src.followed, undefined);
  assert.deepEqual([fired.at(-1)?.snapshot, fired.at(-1)?.switched], [live.snapshot, true], 'back to live: one switch');
  assert.equal(moments.at(-1), undefined);
  const n = fired.length;
  src.follow(undefined);
  assert.equal(fired.length, n, 'live again is not fired twice');
  live.change(snap(4));
  assert.equal(fired.length, n + 1, 'live changes pass through again');

  src.setViewVisible('pidnsExplorer.tree', true);
  assert.deepEqual(live.visible, [['pidnsExplorer.tree', true]], 'visibility goes to the live source');
  src.dispose();
  live.change(snap(5));
  assert.equal(fired.length, n + 1, 'nothing after dispose');
});

test('the trace position and the tree message', () => {
  assert.equal(formatTracePosition(0), '00:00.0');
  assert.equal(formatTracePosition(12_449), '00:12.4');
  assert.equal(formatTracePosition(3_725_000), '62:05.0');
  assert.equal(formatTracePosition(-5), '00:00.0');
  const takenAt = new Date(2026, 0, 2, 14, 3, 22).getTime();
  const text = traceTreeMessage(moment(snap(takenAt), 12_400));
  assert.match(text, /^Trace web\.trace\.jsonl\.gz at 00:12\.4 \(14:03:22\): not the live machine/);
  assert.match(text, /Leave the trace editor to see it live/);
});

test('package.json hides every live-acting tree row command while the tree shows a trace, and only those', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
    contributes: { menus: Record<string, { command: string; when?: string }[]> };
  };
  const acting = ['openTerminal', 'showInGraph', 'destroyCreated', 'killInit', 'sendSignal'].map((c) => `pidnsExplorer.${c}`);
  const rows = pkg.contributes.menus['view/item/context'];
  for (const c of acting)
    assert.ok(
      rows.some((r) => r.command === c),
      `${c} is in the row menu`,
    );
  for (const r of rows) {
    const hidden = (r.when ?? '').includes('!pidnsExplorer.treeShowsTrace');
    assert.equal(hidden, acting.includes(r.command), `${r.command} (${r.when ?? ''})`);
  }
});
