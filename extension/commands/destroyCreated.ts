// "Destroy Namespaces Created Here": tear down the chains this window's helper created (all of them, or the
// one a context-menu node belongs to), after a modal confirmation. Tests pass { force: true } to skip it.
// destroyChains is the core; destroyCreated turns the command's argument into the chains.
import * as vscode from 'vscode';
import type { ChainInfo } from '../../shared/helperProtocol';
import type { CommandContext } from './commandContext';
import { parseNsKey } from '../../shared/core/identity';
import { refusedOnTrace } from './traceGuard';

export async function destroyCreated(ctx: CommandContext, arg?: unknown): Promise<string[]> {
  if (arg !== undefined && refusedOnTrace(ctx, 'Destroy Namespaces Created Here')) return [];
  const { chains } = await ctx.session.request('chains', {});
  const node = arg as { kind?: string; key?: string } | undefined;
  const target = node?.kind === 'namespace' ? chainsOwning(chains, node.key ?? '') : chains;
  if (target.length === 0) {
    void vscode.window.showInformationMessage('Nothing to destroy: no PID namespaces were created from this window (or they have ended).');
    return [];
  }
  const force = (arg as { force?: boolean } | undefined)?.force === true;
  return destroyChains(ctx, target, { confirm: !force });
}

/** Destroy these chains (after the modal unless told not to); the ids of those the helper destroyed. */
export async function destroyChains(ctx: CommandContext, chains: ChainInfo[], opts: { confirm: boolean }): Promise<string[]> {
  if (opts.confirm && !(await confirm(chains))) return [];
  const destroyed: string[] = [];
  for (const chain of chains) {
    try {
      await ctx.session.request('destroy', { chainId: chain.chainId });
      ctx.session.removeChain(chain.chainId);
      destroyed.push(chain.chainId);
      ctx.log.info(`destroyed chain ${chain.chainId}`);
    } catch (e) {
      ctx.log.error(`destroy ${chain.chainId} failed: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Could not destroy chain ${chain.chainId}: ${(e as Error).message}`);
    }
  }
  await ctx.session.refresh();
  return destroyed;
}

/** The chain whose levels include the node's namespace (a chain level names its namespace by inode). */
function chainsOwning(chains: ChainInfo[], key: string): ChainInfo[] {
  const id = parseNsKey(key);
  return id === null ? [] : chains.filter((c) => c.levels.some((l) => l.ns === id.inode));
}

async function confirm(chains: ChainInfo[]): Promise<boolean> {
  const levels = chains.reduce((n, c) => n + c.depth, 0);
  const what = chains.length === 1 ? `the chain of ${levels} nested PID namespaces` : `${chains.length} chains (${levels} PID namespaces)`;
  const answer = await vscode.window.showWarningMessage(
    `Destroy ${what} created here?`,
    { modal: true, detail: 'Every process inside them is killed and their /proc mounts go away.' },
    'Destroy',
  );
  return answer === 'Destroy';
}
