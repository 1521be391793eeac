// Suite "latency": end-to-end fork-to-visible latency through the real helper's subscription at the
// default 1 s interval, on the standard load (a few hundred namespaces, a few thousand processes): a
// sleeper is killed at a random moment of the poll cycle, its level's init forks a replacement at once,
// and the time until a diff event adds it is measured. Budget (issue 5): one interval plus 100 ms.
import { median } from './measure';
import { DEFAULT_INTERVAL_MS, forkToVisible, startHelper } from './scale';
import { startSleepers } from './sleepersLoad';
import type { BenchContext, Row, Suite } from './types';

const SAMPLES = 12;

export const latencySuite: Suite = {
  name: 'latency',
  async run(ctx: BenchContext): Promise<Row[]> {
    const load = await startSleepers({ trees: 100, depth: 3, perLevel: 10 });
    try {
      ctx.log(`latency: ${load.namespaces} namespaces, ${load.processes} processes; ${SAMPLES} forks at random moments`);
      const { client } = await startHelper();
      try {
        const first = new Promise<void>((resolve) => client.onEvent((e) => e.type === 'event' && e.event === 'snapshot' && resolve()));
        // Polling's latency (kernel events off): the 'events' suite measures the event-driven stream.
        await client.request('subscribe', { intervalMs: DEFAULT_INTERVAL_MS, events: false });
        await first;
        await new Promise((r) => setTimeout(r, 2 * DEFAULT_INTERVAL_MS));
        const lat = await forkToVisible(client, load, SAMPLES);
        return [
          { name: 'fork-to-visible, 1 s interval (median)', value: median(lat), unit: 'ms' },
          {
            name: `fork-to-visible, 1 s interval (max of ${lat.length})`,
            value: Math.max(...lat),
            unit: 'ms',
            budget: DEFAULT_INTERVAL_MS + 100,
          },
        ];
      } finally {
        await client.dispose();
      }
    } finally {
      await load.stop();
    }
  },
};
