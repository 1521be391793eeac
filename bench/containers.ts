// Container labelling (what `pidns snapshot --json` does: engines asked before the scan, cgroups read
// and answers awaited after it) on a cold snapshot with N docker containers running (PIDNS_BENCH_CONTAINERS,
// default 100), against the same scan unlabelled; and the labelled snapshot with dockerd frozen (SIGSTOP)
// against the usual labelled one. Starts its own dockerd and removes everything it started.
import type { CgroupContainer } from '../shared/core/containerOf';
import type { Snapshot } from '../shared/core/types';
import { readCgroupContainers } from '../helper-native/src/containers/cgroupScan';
import { CLI_LOOKUP_MS, takeLabelledSnapshot } from '../helper-native/src/containers/label';
import { ContainerResolver } from '../helper-native/src/containers/resolver';
import { takeSnapshot } from '../helper-native/src/scan/poller';
import { Engines } from './containerEngines';
import { startLoad } from './load';
import { envInt, median } from './measure';
import type { Row, Suite } from './types';

/** Wall and CPU (user+sys of this process) milliseconds of one call: on a shared, loaded machine the CPU time is the steadier one. */
async function timeAsync(f: () => Promise<unknown>, cpu?: number[]): Promise<number> {
  const t = performance.now();
  const c = process.cpuUsage();
  await f();
  const used = process.cpuUsage(c);
  cpu?.push((used.user + used.system) / 1000);
  return performance.now() - t;
}

export const containersSuite: Suite = {
  name: 'containers',
  async run(ctx) {
    const n = envInt('PIDNS_BENCH_CONTAINERS', 100);
    const rounds = envInt('PIDNS_BENCH_ROUNDS', 9);
    // With PIDNS_BENCH_CONTAINERS_LOAD=1, the snapshot suite's host load too (~3,000 processes in ~300
    // namespaces that are not containers: their cgroups are read or inherited like any other).
    const load = envInt('PIDNS_BENCH_CONTAINERS_LOAD', 0) > 0 ? await startLoad({ trees: 100, depth: 3, perLevel: 10 }) : null;
    const engines = new Engines();
    try {
      engines.startDockerd();
      engines.importImage();
      ctx.log(`containers: starting ${n} docker containers`);
      engines.dockerMany('pidns-bench-', n);
      // A fresh resolver each time: cold means the engine is asked too (one list call, the bundles read).
      const labelled = (): Promise<Snapshot> => takeLabelledSnapshot(new ContainerResolver({ timeoutMs: CLI_LOOKUP_MS }));
      const check = (await labelled()).containers ?? [];
      const named = check.filter((c) => c.name?.startsWith('pidns-bench-')).length;
      if (named !== n) throw new Error(`containers: ${named} of ${n} containers labelled by name`);
      const plainMs: number[] = [];
      const labelMs: number[] = [];
      const plainCpu: number[] = [];
      const labelCpu: number[] = [];
      for (let i = 0; i < rounds; i++) {
        plainMs.push(await timeAsync(async () => takeSnapshot(), plainCpu));
        labelMs.push(await timeAsync(labelled, labelCpu));
      }
      process.kill(engines.dockerdPid, 'SIGSTOP');
      const frozenMs: number[] = [];
      try {
        for (let i = 0; i < 3; i++) frozenMs.push(await timeAsync(labelled));
      } finally {
        process.kill(engines.dockerdPid, 'SIGCONT');
      }
      const plain = median(plainMs);
      const label = median(labelMs);
      const frozen = Math.max(...frozenMs);
      const probe = takeSnapshot();
      const procs = probe.processes.length;
      // Where the labelling time goes: the cgroup reads alone, on one snapshot (the cache holds what was read).
      const readsMs: number[] = [];
      let reads = 0;
      for (let i = 0; i < rounds; i++) {
        const cache = new Map<string, CgroupContainer | null>();
        readsMs.push(await timeAsync(async () => readCgroupContainers('/proc', probe, cache)));
        reads = cache.size;
      }
      const rows: Row[] = [
        { name: `docker containers running`, value: n, unit: 'ctr' },
        { name: 'processes visible', value: procs, unit: 'proc' },
        { name: 'cold snapshot, unlabelled (median)', value: plain, unit: 'ms' },
        { name: 'cold snapshot, labelled (median)', value: label, unit: 'ms', anchor: 'unlabelled', ratio: label / plain, budget: 1.1 },
        { name: 'cold snapshot CPU, unlabelled (median)', value: median(plainCpu), unit: 'ms' },
        {
          name: 'cold snapshot CPU, labelled (median)',
          value: median(labelCpu),
          unit: 'ms',
          anchor: 'unlabelled CPU',
          ratio: median(labelCpu) / median(plainCpu),
          // The same budget on this process's CPU time: wall time here moves with the engine's own work on the
          // other core and with whatever else shares the machine.
          budget: 1.1,
        },
        // Each read is /proc/PID/cpuset, and /proc/PID/cgroup as well when cpuset names no container (cgroupScan).
        { name: "of which processes' cgroups read", value: reads, unit: 'proc' },
        { name: 'of which reading them (median)', value: median(readsMs), unit: 'ms' },
        { name: 'labelled, dockerd frozen (max of 3)', value: frozen, unit: 'ms' },
        { name: 'frozen minus usual labelled', value: frozen - label, unit: 'ms', budget: 1000 },
      ];
      return rows;
    } finally {
      engines.stop();
      await load?.stop();
    }
  },
};
