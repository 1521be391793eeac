// The walkthrough's buttons: "Run Guided Experiment" does a lesson of shared/core/lessons.ts with the
// product's own commands (Create Nested PID Namespaces, Open Terminal in Namespace, Send Signal…, Kill Init,
// the helper's orphan operation), then sets the lesson's context key once the model shows that the thing
// happened; the walkthrough step completes on that key. "Open Guided Experiments" opens the walkthrough.
import * as vscode from 'vscode';
import { LESSONS, RUN_LESSON_COMMAND, lessonByName, lessonDoneContext } from '../../shared/core/lessons';
import type { ChainInfo } from '../../shared/helperProtocol';
import type { ModelIndex } from '../../shared/core/modelIndex';
import type { CommandContext } from '../commands/commandContext';
import { clearStep, nsRefs, procRefs, showStep } from './lessonHighlight';

export const OPEN_LESSONS_COMMAND = 'pidnsExplorer.openLessons';
export const WALKTHROUGH_ID = 'pidns-explorer.pidns-explorer#pidnsExplorer.lessons';

/** How long a lesson waits for the model to show what it did. */
const MODEL_WAIT_MS = 15_000;
/** How long the orphan of the walkthrough lives: long enough to find it in the tree. */
const ORPHAN_LIFETIME_MS = 8000;
/** How long the graph shows what is about to die before the kill, so that a person can find it first. */
const BEFORE_KILL_MS = 1500;
/** How long a step's outline and caption stay after the step, unless the next step replaces them. */
const AFTER_STEP_MS = 6000;

type LessonAction = (ctx: CommandContext) => Promise<void>;

export function registerLessonCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(RUN_LESSON_COMMAND, async (name?: unknown) => {
      const lesson = typeof name === 'string' ? lessonByName(name) : await pickLesson();
      if (!lesson) return false;
      // A highlight left by another lesson's step does not belong to this one.
      clearStep(ctx);
      try {
        await ACTIONS[lesson.name](ctx);
        await vscode.commands.executeCommand('setContext', lessonDoneContext(lesson.name), true);
        ctx.log.info(`lesson ${lesson.name}: done`);
        return true;
      } catch (e) {
        clearStep(ctx);
        ctx.log.error(`lesson ${lesson.name} failed: ${(e as Error).stack ?? String(e)}`);
        void vscode.window.showErrorMessage(`Guided experiment "${lesson.title}": ${(e as Error).message}`);
        return false;
      }
    }),
    vscode.commands.registerCommand(OPEN_LESSONS_COMMAND, () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false),
    ),
  ];
}

async function pickLesson() {
  const pick = await vscode.window.showQuickPick(
    LESSONS.map((l) => ({ label: l.title.replace(/`/g, ''), description: l.name, lesson: l })),
    { title: 'Run a guided experiment' },
  );
  return pick?.lesson;
}

/** A new chain through "Create Nested PID Namespaces…" (no prompts), shown in the tree and the panel's graph. */
async function create(depth: number): Promise<ChainInfo> {
  const chain = await vscode.commands.executeCommand<ChainInfo | undefined>('pidnsExplorer.createNested', { depth, mountProc: true });
  if (!chain) throw new Error(`could not create ${depth} nested PID namespaces (see the helper log)`);
  // The graph in the panel, so the walkthrough stays in front in the editor area.
  await vscode.commands.executeCommand('pidnsExplorer.graphView.focus');
  return chain;
}

/** Wait until the live model satisfies `check`, rescanning now and then. */
async function until<T>(ctx: CommandContext, what: string, check: (view: ModelIndex) => T | undefined | false): Promise<T> {
  const end = Date.now() + MODEL_WAIT_MS;
  for (let i = 0; ; i++) {
    const view = ctx.tree.currentView();
    const found = view ? check(view) : undefined;
    if (found !== undefined && found !== false) return found;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    if (i % 10 === 9) await ctx.session.refresh().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function namespaceNodeOf(ctx: CommandContext, view: ModelIndex, inode: number) {
  const ns = view.namespaceWithInode(inode);
  return ns && ctx.tree.namespaceNode(ns);
}

function processNodeOf(ctx: CommandContext, view: ModelIndex, pid: number) {
  const p = view.process(pid);
  return p && ctx.tree.processNode(p);
}

/**
 * No process of the model is in these levels any more. (A dead level's namespace may stay in the model as
 * hidden: the level above still names it as its pid_for_children.)
 */
function emptied(view: ModelIndex, levels: ChainInfo['levels']): boolean {
  const inodes = new Set(levels.map((l) => l.ns));
  return view.snapshot.processes.every((p) => !inodes.has(p.ns));
}

const ACTIONS: Record<string, LessonAction> = {
  levels: async () => {
    await create(5);
  },
  proc: async (ctx) => {
    const chain = await create(5);
    for (const level of [3, 1]) {
      const inode = chain.levels[level - 1].ns;
      const node = await until(ctx, `level ${level} in the model`, (v) => namespaceNodeOf(ctx, v, inode));
      const terminal = await vscode.commands.executeCommand<vscode.Terminal | undefined>('pidnsExplorer.openTerminal', node);
      terminal?.sendText(`echo "level ${level} sees:"; ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '; echo`);
    }
  },
  orphan: async (ctx) => {
    const chain = await create(2);
    const init2 = chain.levels[1].init;
    const { pid } = await ctx.session.request('orphan', { chainId: chain.chainId, level: 2, lifetimeMs: ORPHAN_LIFETIME_MS });
    // Done when the model shows the adoption: the orphan's parent is level 2's init.
    const p = await until(ctx, `orphan ${pid} under level 2's init`, (v) => (v.process(pid)?.ppid === init2 ? v.process(pid) : undefined));
    // The orphan's row and its new parent's, joined by the re-parenting arrow, while the orphan lives.
    const view = ctx.tree.currentView();
    const [orphan, adopter] = view ? procRefs(view, [pid, init2]) : [];
    if (orphan && adopter)
      showStep(ctx, 'orphan', 1, { processes: [orphan, adopter], arrow: { from: orphan, to: adopter }, untilMs: ORPHAN_LIFETIME_MS });
    await vscode.commands.executeCommand('pidnsExplorer.revealInTree', p.pid, p.startTime);
  },
  signals: async (ctx) => {
    const chain = await create(3);
    const [, l2] = chain.levels;
    const initNode = await until(ctx, "level 2's init in the model", (v) => processNodeOf(ctx, v, l2.init));
    showStep(ctx, 'signals', 1, { processes: procRefs(ctx.tree.currentView()!, [l2.init]), untilMs: AFTER_STEP_MS });
    await vscode.commands.executeCommand('pidnsExplorer.sendSignal', initNode, { signal: 'SIGKILL', from: 'inside' });
    await new Promise((r) => setTimeout(r, 1500));
    const alive = ctx.tree.currentView()?.process(l2.init) !== undefined;
    void vscode.window.showInformationMessage(
      alive
        ? `SIGKILL from inside level 2 was dropped: its init (host PID ${l2.init}) is still there. Now Kill Init sends SIGKILL from the helper, an ancestor.`
        : `Level 2's init is gone after a signal from inside: this kernel did not drop it.`,
    );
    // The subtree that dies: the cards of levels 2 and 3, outlined before the kill and as they go.
    showStep(ctx, 'signals', 2, {
      namespaces: nsRefs(
        ctx.tree.currentView()!,
        chain.levels.slice(1).map((l) => l.ns),
      ),
      untilMs: BEFORE_KILL_MS + AFTER_STEP_MS,
    });
    await new Promise((r) => setTimeout(r, BEFORE_KILL_MS));
    const nsNode = await until(ctx, 'level 2 in the model', (v) => namespaceNodeOf(ctx, v, l2.ns));
    await vscode.commands.executeCommand('pidnsExplorer.killInit', { ...nsNode, force: true });
    await until(ctx, 'no process left in levels 2 and 3', (v) => emptied(v, chain.levels.slice(1)));
  },
  middle: async (ctx) => {
    const chain = await create(5);
    const l3 = chain.levels[2];
    const nsNode = await until(ctx, 'level 3 in the model', (v) => namespaceNodeOf(ctx, v, l3.ns));
    const dying = chain.levels.slice(2).map((l) => l.ns);
    await until(ctx, 'levels 3 to 5 in the model', (v) => nsRefs(v, dying).length === dying.length);
    showStep(ctx, 'middle', 1, { namespaces: nsRefs(ctx.tree.currentView()!, dying), untilMs: BEFORE_KILL_MS + AFTER_STEP_MS });
    await new Promise((r) => setTimeout(r, BEFORE_KILL_MS));
    await vscode.commands.executeCommand('pidnsExplorer.killInit', { ...nsNode, force: true });
    await until(ctx, 'no process left in levels 3 to 5', (v) => emptied(v, chain.levels.slice(2)));
  },
  'unshare-setns': async (ctx) => {
    // unshare --pid needs CAP_SYS_ADMIN: as a user, in a user namespace of one's own (the terminal runs as you).
    const asUser = process.getuid?.() !== 0;
    const terminal = vscode.window.createTerminal({
      name: 'unshare --pid sh',
      shellPath: 'unshare',
      shellArgs: [...(asUser ? ['--user', '--map-root-user'] : []), '--pid', '--', '/bin/sh'],
      iconPath: new vscode.ThemeIcon('symbol-namespace'),
    });
    terminal.show();
    const shell = await terminal.processId;
    if (shell === undefined) throw new Error('the unshare terminal did not start');
    terminal.sendText('echo "this sh called unshare(CLONE_NEWPID); its first child becomes PID 1:"; sleep 300 &');
    const pending = await until(ctx, `the unshare shell ${shell} with a pending namespace`, (v) => v.process(shell)?.pendingNs);
    await vscode.commands.executeCommand('pidnsExplorer.revealInTree', shell);
    // The shell's row, and the namespace its children go to once its first child (the sleep) made it.
    const seen = ctx.tree.currentView()!;
    showStep(ctx, 'unshare-setns', 0, { processes: procRefs(seen, [shell]), namespaces: nsRefs(seen, [pending]), untilMs: AFTER_STEP_MS });
    // setns, for comparison: a terminal in a created level enters it with setns (nsenter).
    const chain = await create(1);
    const node = await until(ctx, 'level 1 in the model', (v) => namespaceNodeOf(ctx, v, chain.levels[0].ns));
    const entered = await vscode.commands.executeCommand<vscode.Terminal | undefined>('pidnsExplorer.openTerminal', node);
    showStep(ctx, 'unshare-setns', 2, { namespaces: nsRefs(ctx.tree.currentView()!, [chain.levels[0].ns]), untilMs: AFTER_STEP_MS });
    entered?.sendText('echo "entered with setns: my PID here is $$, my parent is $PPID"');
  },
};
