// The chain ops (create, destroy, signal, orphan, chains) on one ChainManager per helper process, as the
// ChainService the server's op table takes; every chain is torn down on shutdown.
import type { OpContext, ChainService } from '../server/ops';
import { ChainManager } from './chainManager';
import { makeOrphan, signalProcess } from './initSemantics';

export function chainService(ctx: OpContext): ChainService {
  // The leaf's stdout must never reach the helper's stdout: that is the protocol channel.
  const manager = new ChainManager({ leafStdio: 'ignore', log: (level, message) => ctx.log(level, message) });
  manager.on('chainExited', (e) => ctx.send(e));
  manager.on('levelsGone', (chainId, level, status) =>
    ctx.send({
      type: 'event',
      event: 'log',
      level: 'info',
      message: `chain ${chainId}: level ${level} and every level below it are gone (status ${status})`,
    }),
  );
  return {
    ops: {
      create: async (req) =>
        manager.create({ depth: req.depth, mountProc: req.mountProc, command: req.command }, ctx.actingUid, (p) =>
          ctx.send({ type: 'event', event: 'createProgress', requestId: req.id, ...p }),
        ),
      destroy: async (req) => {
        await manager.destroy(req.chainId);
        return { chainId: req.chainId };
      },
      signal: async (req) => signalProcess(manager, req, ctx.actingUid),
      orphan: async (req) => makeOrphan(manager, req, ctx.actingUid),
      chains: async () => ({ chains: manager.list() }),
    },
    shutdown: () => manager.destroyAll(),
  };
}
