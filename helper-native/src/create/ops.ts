// The helper's create ops (create, destroy, signal, orphan, chains) on one ChainManager per helper
// process; chains are torn down on shutdown. Registered from the helper entry with one call.
import type { HelperEvent } from '../../../shared/helperProtocol';
import { registerOp, registerShutdownHook, type OpContext } from '../server/ops';
import { ChainManager } from './chainManager';
import { makeOrphan, signalProcess } from './initSemantics';

export function registerCreateOps(): ChainManager {
  let events: ((e: HelperEvent) => void) | undefined;
  let log: OpContext['log'] = () => undefined;
  // The leaf's stdout must never reach the helper's stdout: that is the protocol channel.
  const manager = new ChainManager({ leafStdio: 'ignore', log: (level, message) => log(level, message) });
  manager.on('chainExited', (e) => events?.(e));
  manager.on('levelsGone', (chainId, level, status) =>
    events?.({ type: 'event', event: 'log', level: 'info', message: `chain ${chainId}: level ${level} and every level below it are gone (status ${status})` }),
  );
  const bind = (ctx: OpContext): void => {
    events = ctx.send;
    log = ctx.log;
  };

  registerOp('create', async (req, ctx) => {
    bind(ctx);
    const params = { depth: req.depth, mountProc: req.mountProc, command: req.command };
    return manager.create(params, ctx.actingUid, (p) => ctx.send({ type: 'event', event: 'createProgress', requestId: req.id, ...p }));
  });
  registerOp('destroy', async (req, ctx) => {
    bind(ctx);
    await manager.destroy(req.chainId);
    return { chainId: req.chainId };
  });
  registerOp('signal', async (req, ctx) => signalProcess(manager, req, ctx.actingUid));
  registerOp('orphan', async (req, ctx) => makeOrphan(manager, req, ctx.actingUid));
  registerOp('chains', async () => ({ chains: manager.list() }));
  registerShutdownHook(() => manager.destroyAll());
  return manager;
}
