// What the persistent-namespace pass costs (helper-native/src/scan/nsHolders.ts: a readlink of ns/mnt and a
// readdir plus a readlink per fd of every readable process, and one mountinfo per mount namespace), at
// the bench's scaled load, against the Poller's quiet poll and the cold snapshot. As root after
// `npm run build`: `node out/bench/holderCost.js [PASSES]`. Not part of `npm run bench`.
import { loadavg } from 'node:os';
import { NsGraph } from '../helper-native/src/scan/nsGraph';
import { findHolders } from '../helper-native/src/scan/nsHolders';
import { listPids, statIdentity } from '../helper-native/src/scan/procFiles';
import { Poller, takeSnapshot } from '../helper-native/src/scan/poller';
import { startLoad } from './load';
import { scaleShape } from './scale';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timed(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

async function main(): Promise<void> {
  const passes = Number(process.argv[2] ?? 10);
  // On a host already running 9,000+ processes (other sessions' loads) that is the load: another 10,000
  // would pass the open-file limit with the Poller's pidfds.
  const already = listPids('/proc').length;
  const load = already >= 9000 ? null : await startLoad(scaleShape());
  try {
    const self = statIdentity('/proc/self/ns/pid');
    if (!self.ok) throw new Error('cannot read /proc/self/ns/pid');
    const poller = new Poller();
    poller.poll();
    const pids = listPids('/proc');
    const rows: Record<string, number[]> = { holderWall: [], holderCpu: [], quietWall: [], shareWall: [], shareCpu: [], coldWall: [] };
    let last = findHolders('/proc', pids, self.value.dev, new NsGraph(), process.pid);
    for (let i = 0; i < passes; i++) {
      const graph = new NsGraph();
      const h = timed(() => (last = findHolders('/proc', pids, self.value.dev, graph, process.pid)));
      rows.holderWall.push(h.wall);
      rows.holderCpu.push(h.cpu);
      rows.quietWall.push(timed(() => poller.poll()).wall);
      // The stream's reconcile pass: the quiet poll plus every mount table and a share of the fds.
      const share = timed(() => poller.poll({ holders: 'share', pendingRound: 8 }));
      rows.shareWall.push(share.wall);
      rows.shareCpu.push(share.cpu);
      if (i < 3) rows.coldWall.push(timed(() => takeSnapshot()).wall);
    }
    const out = {
      processes: pids.length,
      ownLoad: load !== null,
      fds: last.fds,
      mountTables: last.mountTables,
      heldNamespaces: last.holders.size,
      allFdsPassMs: median(rows.holderWall),
      allFdsPassCpuMs: median(rows.holderCpu),
      allFdsPassMaxMs: Math.max(...rows.holderWall),
      quietPollMs: median(rows.quietWall),
      reconcileLikePollMs: median(rows.shareWall),
      reconcileLikePollCpuMs: median(rows.shareCpu),
      coldSnapshotWithHoldersMs: median(rows.coldWall),
      loadavg: loadavg().map((x) => Math.round(x * 10) / 10),
      lastSharePass: poller.holderStats,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    poller.close();
  } finally {
    await load?.stop();
  }
}

void main();
