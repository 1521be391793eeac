// Runs inside a real extension host (code-server here; desktop VS Code through runElectron.ts): the
// commands are registered, the tree matches the kernel for a chain created through the command and the
// helper, tooltips and the editor hover carry the per-level PIDs, and destroy leaves nothing behind.
// PIDNS_EXPECT_PRIVILEGE (root | pkexec | sudo | unprivileged) makes the privilege the helper reached part
// of the test: the non-root run must have climbed to root through pkexec.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import * as vscode from 'vscode';
import type { PidnsExplorerApi } from '../../../extension/extension';
import type { ChainInfo } from '../../../shared/helperProtocol';
import { nspidOf } from '../../kernelTruth';

const EXTENSION_ID = 'pidns-explorer.pidns-explorer';

function nsOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Every descendant of pid, from /proc/PID/task/TID/children. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    let kids: number[] = [];
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      // exited
    }
    out.push(...kids);
    queue.push(...kids);
  }
  return out;
}

function ppidOf(pid: number): number | undefined {
  try {
    const m = /^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function mountinfo(): string {
  return readFileSync('/proc/self/mountinfo', 'utf8');
}

async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

suite('PID Namespace Explorer in a real extension host', () => {
  let api: PidnsExplorerApi;
  let chain: ChainInfo | undefined;
  let mountsBefore = '';

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<PidnsExplorerApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    await api.session.ensureStarted();
    mountsBefore = mountinfo();
  });

  suiteTeardown(async () => {
    // Whatever happened above, leave no chain behind.
    if (api) await vscode.commands.executeCommand('pidnsExplorer.destroyCreated', { force: true });
  });

  test('every contributed command is registered', async () => {
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes.commands as Array<{ command: string; category: string }>) ?? [];
    assert.ok(contributed.length >= 10, 'manifest lists the commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of contributed) {
      assert.equal(c.category, 'PID Namespaces');
      assert.ok(registered.has(c.command), `${c.command} is registered`);
    }
  });

  test('the helper reached the expected privilege and sees our own namespace as the root', async () => {
    const expected = process.env.PIDNS_EXPECT_PRIVILEGE;
    assert.ok(expected, 'PIDNS_EXPECT_PRIVILEGE is set by the test runner');
    assert.equal(api.session.privilege, expected);
    const snap = await api.session.refresh();
    const selfNs = nspidOf(process.pid);
    assert.ok(selfNs, 'own NSpid readable');
    const root = api.tree.getChildren();
    assert.equal(root.length, 1);
    const item = api.tree.getTreeItem(root[0]);
    assert.equal(item.label, `pid:[${snap.self.nsInode}]`);
    assert.match(String(item.description), /^level 0 · /);
    // Our own extension host is one of the root's processes, with the same PID the kernel gives it.
    const view = api.tree.currentView();
    assert.equal(view?.process(process.pid)?.pid, process.pid);
  });

  test('create through the command: the tree nests the chain exactly as the kernel does', async () => {
    chain = await vscode.commands.executeCommand<ChainInfo>('pidnsExplorer.createNested', { depth: 3, mountProc: true });
    assert.ok(chain, 'create returned the chain');
    assert.equal(chain.levels.length, 3);
    const c = chain;
    // Kernel side: level k's init has k+1 NSpid entries ending in 1; the leaf has depth+1 entries.
    for (const l of c.levels) {
      const nspid = nspidOf(l.init);
      assert.ok(nspid, `init of level ${l.level} is alive`);
      assert.equal(nspid.length, l.level + 1);
      assert.equal(nspid[nspid.length - 1], 1);
    }
    const leafNspid = nspidOf(c.leaf);
    assert.ok(leafNspid && leafNspid.length === c.depth + 1, `leaf NSpid ${leafNspid}`);

    // Tree side: walk from the root through child namespaces; each level's node is the chain's namespace.
    await api.session.refresh();
    let node = api.tree.getChildren()[0];
    for (const l of c.levels) {
      const kids = api.tree.getChildren(node).filter((k) => k.kind === 'namespace');
      const next = kids.find((k) => api.tree.getTreeItem(k).label === `pid:[${l.ns}]`);
      assert.ok(next, `level ${l.level} pid:[${l.ns}] is a child of the level above in the tree`);
      const item = api.tree.getTreeItem(next);
      assert.match(String(item.description), new RegExp(`^level ${l.level} · `));
      assert.equal(item.contextValue, 'namespace-created');
      assert.equal(api.tree.getParent(next), node, 'getParent mirrors getChildren');
      node = next;
    }
    // The leaf namespace lists the leaf process with its own-namespace PID and host PID.
    const procs = api.tree.getChildren(node).filter((k) => k.kind === 'process');
    const leaf = procs.find((k) => k.kind === 'process' && k.pid === c.leaf);
    assert.ok(leaf, 'leaf process listed under the innermost namespace');
    const leafItem = api.tree.getTreeItem(leaf);
    assert.match(String(leafItem.label), new RegExp(` ${leafNspid[leafNspid.length - 1]}$`));
    assert.equal(leafItem.description, `host ${c.leaf}`);
    // The kernel's own name for the leaf's namespace: root may always read it; a non-root host may not
    // (the leaf was started by the root helper), and then NSpid above is the kernel's word.
    let link: string | undefined;
    try {
      link = readlinkSync(`/proc/${c.leaf}/ns/pid`);
    } catch (e) {
      if (process.getuid?.() === 0) throw e;
    }
    if (link !== undefined) assert.equal(link, `pid:[${c.levels[c.depth - 1].ns}]`);
  });

  test('the leaf\'s tooltip is a table of its PID at every level, as /proc says', async () => {
    assert.ok(chain, 'chain from the previous test');
    const view = api.tree.currentView();
    const p = view?.process(chain.leaf);
    assert.ok(p);
    const node = api.tree.processNode(p);
    assert.ok(node);
    const tip = api.tree.getTreeItem(node).tooltip as vscode.MarkdownString;
    const nspid = nspidOf(chain.leaf);
    assert.ok(nspid);
    nspid.forEach((pid, level) => {
      const ns = level === 0 ? view?.snapshot.self.nsInode : chain?.levels[level - 1].ns;
      assert.ok(tip.value.includes(`| ${level} | pid:[${ns}] | ${pid} |`), `row for level ${level} in:\n${tip.value}`);
    });
    assert.match(tip.value, /PPID \d+ · uid \d+ · state /);
  });

  test('an editor hover on a live PID shows its PIDs at every level and reveals it in the tree', async () => {
    assert.ok(chain);
    const doc = await vscode.workspace.openTextDocument({ content: `leaf started as pid ${chain.leaf} ok\n` });
    const col = doc.getText().indexOf(String(chain.leaf)) + 1;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, col));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    const nspid = nspidOf(chain.leaf) ?? [];
    for (const [level, pid] of nspid.entries()) assert.match(text, new RegExp(`\\| ${level} \\| pid:\\[\\d+\\] \\| ${pid} \\|`));
    assert.match(text, /command:pidnsExplorer\.revealInTree/);
    const p = api.tree.currentView()?.process(chain.leaf);
    assert.equal(await vscode.commands.executeCommand('pidnsExplorer.revealInTree', chain.leaf, p?.startTime), true);
    // The selection reaches the extension host asynchronously, from the workbench.
    const leaf = chain.leaf;
    await eventually(`the leaf to be selected in the tree`, () => api.treeView.selection.some((n) => n.kind === 'process' && n.pid === leaf) || undefined).catch((e: Error) => {
      throw new Error(`${e.message}: visible ${api.treeView.visible}, selection ${JSON.stringify(api.treeView.selection)}`);
    });
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('open terminal in namespace: the shell runs inside the leaf namespace as the user', async () => {
    assert.ok(chain);
    const leafNs = chain.levels[chain.depth - 1].ns;
    const view = api.tree.currentView();
    const ns = view?.snapshot.namespaces.find((n) => n.inode === leafNs);
    assert.ok(ns);
    const terminal = await vscode.commands.executeCommand<vscode.Terminal>('pidnsExplorer.openTerminal', api.tree.namespaceNode(ns));
    assert.ok(terminal, 'a terminal was opened');
    try {
      const opts = terminal.creationOptions as vscode.TerminalOptions;
      const argv = [opts.shellPath, ...((opts.shellArgs as string[]) ?? [])];
      assert.ok(argv.includes('/usr/bin/nsenter') && argv.includes(String(ns.init)), argv.join(' '));
      assert.ok(argv.includes(String(process.getuid?.())), 'drops to our uid');
      if (process.getuid?.() !== 0) {
        // Not root: pkexec runs in the terminal itself, where its own prompt can ask the user.
        assert.equal(opts.shellPath, '/usr/bin/pkexec');
        return;
      }
      const pid = await terminal.processId;
      assert.ok(pid);
      // nsenter forks into the namespace; the shell is its descendant, a member of the leaf namespace.
      const inside = await eventually('a shell inside the namespace', () => descendants(pid).find((d) => nsOf(d) === `pid:[${leafNs}]`));
      assert.equal(nspidOf(inside)?.length, chain.depth + 1);
    } finally {
      terminal.dispose();
    }
  });

  test('destroy leaves nothing behind: no process, no namespace, no mount, no chain', async () => {
    assert.ok(chain);
    const c = chain;
    const destroyed = await vscode.commands.executeCommand<string[]>('pidnsExplorer.destroyCreated', { force: true });
    assert.deepEqual(destroyed, [c.chainId]);
    chain = undefined;
    await eventually('chain processes to exit', () => [c.leaf, ...c.levels.map((l) => l.init)].every((pid) => nspidOf(pid) === undefined) || undefined);
    // Namespace inodes are reused at once by whoever creates the next namespace, so a namespace counts as
    // ours by inode AND members; the helper's model may lag the kernel by one poll, hence eventually.
    const ours = new Set([c.leaf, ...c.levels.map((l) => l.init)]);
    const gone = new Set(c.levels.map((l) => l.ns));
    const stillThere = (snap: { namespaces: Array<{ inode: number; pids: number[] }> }): number[] =>
      snap.namespaces.filter((n) => gone.has(n.inode) && n.pids.some((p) => ours.has(p))).map((n) => n.inode);
    await eventually('the chain to leave the model', async () => (stillThere(await api.session.refresh()).length === 0 ? true : undefined));
    assert.deepEqual((await api.session.request('chains', {})).chains, []);
    assert.equal(mountinfo(), mountsBefore, 'host mount table unchanged');
    api.tree.refreshNow();
    const view = api.tree.currentView();
    const rootKids = api.tree
      .getChildren(api.tree.getChildren()[0])
      .filter((k) => k.kind === 'namespace' && (view?.namespace(k.key)?.pids ?? []).some((p) => ours.has(p)));
    assert.deepEqual(rootKids, []);
  });

  test('send signal stops and continues a process; kill init takes its whole namespace chain down', async () => {
    const c = await vscode.commands.executeCommand<ChainInfo>('pidnsExplorer.createNested', { depth: 2, mountProc: false });
    assert.ok(c, 'chain created');
    try {
      await api.session.refresh();
      const leaf = api.tree.currentView()?.process(c.leaf);
      assert.ok(leaf);
      const node = api.tree.processNode(leaf);
      const state = (): string | undefined => /^State:\s*(\S)/m.exec(readFileSync(`/proc/${c.leaf}/status`, 'utf8'))?.[1];
      assert.equal(await vscode.commands.executeCommand('pidnsExplorer.sendSignal', node, { signal: 'SIGSTOP' }), true);
      await eventually('the leaf to be stopped', () => (state() === 'T' ? true : undefined));
      assert.equal(await vscode.commands.executeCommand('pidnsExplorer.sendSignal', node, { signal: 'SIGCONT' }), true);
      await eventually('the leaf to run again', () => (state() !== 'T' ? true : undefined));
      const level1 = api.tree.currentView()?.snapshot.namespaces.find((n) => n.inode === c.levels[0].ns);
      assert.ok(level1);
      const nsNode = api.tree.namespaceNode(level1);
      assert.equal(await vscode.commands.executeCommand('pidnsExplorer.killInit', { ...nsNode, force: true }), true);
      // The kernel kills every process of a namespace whose init died, nested namespaces included.
      await eventually('every process of the chain to exit', () => [c.leaf, ...c.levels.map((l) => l.init)].every((pid) => nspidOf(pid) === undefined) || undefined);
      await eventually('the helper to forget the chain', async () => ((await api.session.request('chains', {})).chains.length === 0 ? true : undefined));
    } finally {
      await vscode.commands.executeCommand('pidnsExplorer.destroyCreated', { force: true });
    }
  });

  test('the helper polls only while the tree is visible', async () => {
    await vscode.commands.executeCommand('pidnsExplorer.tree.focus');
    await eventually('polling with the view visible', () => (api.treeView.visible && api.session.polling) || undefined);
    // The helper runs on this host, in its initial namespaces: where it can subscribe to kernel events (its
    // hello says so) the status bar says "live (kernel events)", with why in the tooltip; a helper that
    // cannot, or predates them (an older installed system helper that pkexec runs), is said to poll.
    const live = api.session.hello?.kernelEvents?.available === true;
    const want = live ? '· live (kernel events)' : '· polling every 1 s';
    await eventually(`the status bar to end with "${want}"`, () => (api.statusBar.text.endsWith(want) ? true : undefined)).catch(() => {
      assert.fail(`status bar: "${api.statusBar.text}"; tooltip: "${api.statusBar.tooltip}"; source ${JSON.stringify(api.session.source)}`);
    });
    if (live) {
      assert.equal(api.session.source?.kind, 'kernel-events', api.session.source?.why);
      assert.match(api.statusBar.tooltip, /Updates: live \(kernel events\), because the kernel reports every fork, exec and exit/);
    } else assert.match(api.statusBar.tooltip, /Updates: polling/);
    if (process.getuid?.() === 0) assert.ok(live, `as root the helper is this build's and gets kernel events: ${api.session.hello?.kernelEvents?.why}`);
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await eventually('polling to stop with the view hidden', () => (!api.treeView.visible && !api.session.polling) || undefined);
    await vscode.commands.executeCommand('pidnsExplorer.tree.focus');
    await eventually('polling to resume', () => api.session.polling || undefined);
  });

  test('copy snapshot puts the model on the clipboard as JSON', async () => {
    const json = await vscode.commands.executeCommand<string>('pidnsExplorer.copySnapshot');
    const parsed = JSON.parse(json) as { namespaces: unknown[]; processes: unknown[] };
    assert.ok(parsed.namespaces.length >= 1 && parsed.processes.length >= 1);
    assert.equal(await vscode.env.clipboard.readText(), json);
  });

  // Last in the suite: it leaves the session's failure count at 2, so a later crash would wait longer.
  test('SIGKILL the streaming helper: the status bar says so, a new helper starts after a growing backoff, the tree is live again', async function () {
    // Under pkexec the helper is root and this extension host is not: only the root run may kill it.
    if (process.getuid?.() !== 0) this.skip();
    await vscode.commands.executeCommand('pidnsExplorer.tree.focus');
    await eventually('polling with the tree visible', () => (api.treeView.visible && api.session.polling) || undefined);
    let helper = api.session.hello?.pid;
    assert.ok(helper, 'the helper said hello');
    const delays: number[] = [];
    for (let round = 1; round <= 2; round++) {
      const old: number = helper;
      // The pid from hello is the process we are about to kill: our own child running `pidns.js helper`.
      assert.equal(ppidOf(old), process.pid);
      assert.match(readFileSync(`/proc/${old}/cmdline`, 'utf8'), /pidns\.js\0helper\0/);
      process.kill(old, 'SIGKILL');
      const killedAt = Date.now();
      // Polled often: the "restarting" state lasts only the backoff delay (1 s the first time).
      const told = await eventually('the status bar to say the helper is restarting', () => {
        const pending = api.session.restarting;
        return pending && /helper restarting/.test(api.statusBar.text) ? { pending, tooltip: api.statusBar.tooltip } : undefined;
      }, 10_000, 50);
      assert.match(told.tooltip, /killed by SIGKILL/);
      assert.equal(told.pending.attempt, round);
      delays.push(told.pending.delayMs);
      helper = await eventually(`a new helper after round ${round}`, () => {
        const h = api.session.hello;
        return h && h.pid !== old && api.session.polling ? h.pid : undefined;
      }, 30_000, 50);
      const took = Date.now() - killedAt;
      assert.ok(took >= told.pending.delayMs, `restarted after ${took} ms, before the ${told.pending.delayMs} ms backoff`);
      assert.equal(existsSync(`/proc/${old}`), false, 'the killed helper is gone (reaped)');
      assert.equal(ppidOf(helper), process.pid, 'the new helper is a live child of this extension host');
      const mode = api.session.privilege;
      // "· root · live (kernel events)" where the kernel's events reach the helper, "· root · polling every 1 s" elsewhere.
      await eventually('the status bar to show the mode and the live source again', () => (/ · (live \(kernel events\)|polling every [\d.]+ s)$/.test(api.statusBar.text) && api.statusBar.text.includes(`· ${mode} ·`) ? true : undefined));
      assert.equal(api.session.restarting, undefined);
    }
    assert.ok(delays[1] > delays[0], `the backoff grows with crashes in a row: ${delays.join(', ')} ms`);

    // Live again: a process started now reaches the tree through the new helper's stream (no refresh()),
    // and so does its exit.
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const pid = child.pid;
      assert.ok(pid, 'sleep started');
      const p = await eventually('the new process in the tree', () => api.tree.currentView()?.process(pid));
      const node = api.tree.processNode(p);
      assert.ok(node, 'the process has a tree node');
      assert.equal(api.tree.getParent(node)?.kind, 'namespace');
      child.kill('SIGKILL');
      await eventually('the killed process to leave the tree', () => (api.tree.currentView()?.process(pid) ? undefined : true));
    } finally {
      child.kill('SIGKILL'); // a no-op when it is already dead
    }
  });
});
