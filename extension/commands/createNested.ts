// "Create Nested PID Namespaces…": ask depth (validated against the room the kernel leaves), whether to
// mount /proc per level, and an optional command; create with a progress bar fed by createProgress events;
// then reveal the new chain in the tree. Tests pass the answers as an argument to skip the prompts.
import * as vscode from 'vscode';
import type { ChainInfo } from '../../shared/helperProtocol';
import type { CommandContext } from './commandContext';
import { roomBelowSelf, splitCommandLine, validateDepth } from './commandLine';
import { revealChain } from './revealInTree';
import { nsName } from '../../shared/core/nsName';

export interface CreateAnswers {
  depth: number;
  mountProc: boolean;
  command?: string[];
}

export async function createNested(ctx: CommandContext, given?: unknown): Promise<ChainInfo | undefined> {
  const answers = isAnswers(given) ? given : await askAnswers();
  if (!answers) return undefined;
  const chain = await createWithProgress(ctx, answers);
  ctx.session.addChain(chain);
  ctx.log.info(
    `created chain ${chain.chainId}: ${chain.levels.map((l) => `${nsName(l.ns)} init ${l.init}`).join(' > ')}, leaf ${chain.leaf} (${chain.engine})`,
  );
  await revealChain(ctx, chain);
  void vscode.window.showInformationMessage(
    `Created ${chain.depth} nested PID namespaces; the leaf process is host PID ${chain.leaf}. Destroy them with "Destroy Namespaces Created Here".`,
  );
  return chain;
}

function isAnswers(v: unknown): v is CreateAnswers {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as CreateAnswers).depth === 'number' &&
    typeof (v as CreateAnswers).mountProc === 'boolean'
  );
}

async function askAnswers(): Promise<CreateAnswers | undefined> {
  const cfg = vscode.workspace.getConfiguration('pidnsExplorer');
  const room = roomBelowSelf();
  if (room < 1) {
    void vscode.window.showErrorMessage('No room for another PID namespace: this one is already 32 levels deep, the kernel limit.');
    return undefined;
  }
  const proposed = Math.min(room, Math.max(1, cfg.get<number>('defaultDepth', 5)));
  const depthText = await vscode.window.showInputBox({
    title: 'Create Nested PID Namespaces (1/3): depth',
    prompt: `How many nested PID namespaces to create (1–${room})`,
    value: String(proposed),
    validateInput: (text) => validateDepth(text, room),
    ignoreFocusOut: true,
  });
  if (depthText === undefined) return undefined;
  const mountProc = await askMountProc(cfg.get<boolean>('mountProc', true));
  if (mountProc === undefined) return undefined;
  const commandText = await vscode.window.showInputBox({
    title: 'Create Nested PID Namespaces (3/3): command',
    prompt: 'Command to run in the innermost namespace, as you, without a shell (empty: a process that sleeps until destroyed)',
    value: cfg.get<string>('defaultCommand', ''),
    validateInput: (text) => {
      try {
        splitCommandLine(text);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
    ignoreFocusOut: true,
  });
  if (commandText === undefined) return undefined;
  const argv = splitCommandLine(commandText);
  return { depth: Number(depthText), mountProc, command: argv.length > 0 ? argv : undefined };
}

async function askMountProc(preferred: boolean): Promise<boolean | undefined> {
  const yes = { label: 'Mount /proc per level', description: 'each level gets a private mount namespace with its own procfs', value: true };
  const no = { label: 'Share the host /proc', description: 'tools inside still see the outer /proc', value: false };
  const pick = await vscode.window.showQuickPick(preferred ? [yes, no] : [no, yes], {
    title: 'Create Nested PID Namespaces (2/3): /proc',
    ignoreFocusOut: true,
  });
  return pick?.value;
}

async function createWithProgress(ctx: CommandContext, answers: CreateAnswers): Promise<ChainInfo> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Creating ${answers.depth} nested PID namespaces`, cancellable: false },
    async (progress) => {
      let reported = 0;
      // Progress events name the create request they belong to, so two creates at once each get their own bar.
      let requestId: number | undefined;
      const sub = ctx.session.onHelperEvent((e) => {
        if (e.event !== 'createProgress' || e.requestId !== requestId || e.ready <= reported) return;
        progress.report({ increment: ((e.ready - reported) * 100) / e.depth, message: `level ${e.ready} of ${e.depth} ready` });
        reported = e.ready;
      });
      try {
        return await ctx.session.request('create', answers, { timeoutMs: 120_000, onId: (id) => (requestId = id) });
      } finally {
        sub.dispose();
      }
    },
  );
}
