// A throwaway extension and mocha suites, written to a temp folder, that prove the harness itself:
// an activity-bar container with a tree view, a palette command, and suites that pass or fail.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

export const PROBE = {
  container: 'Harness Probe',
  view: 'Probe Items',
  command: 'Harness Probe: Say Hello',
  message: 'Hello from the harness probe',
  items: ['alpha', 'beta'],
};

const EXTENSION_JS = `
const vscode = require('vscode');
exports.activate = (context) => {
  const items = ${JSON.stringify(PROBE.items)};
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('harnessProbe.items', {
      getChildren: () => items,
      getTreeItem: (label) => new vscode.TreeItem(label),
    }),
    vscode.commands.registerCommand('harnessProbe.hello', () => {
      vscode.window.showInformationMessage(${JSON.stringify(PROBE.message)});
      return process.getuid();
    }),
  );
};
`;

const ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/></svg>';

/** A mocha runner module in the @vscode/test-electron convention: exports run(): Promise<void>. */
function runnerJs(suiteFile: string): string {
  const mocha = join(repoRoot(), 'node_modules', 'mocha');
  return `
const Mocha = require(${JSON.stringify(mocha)});
exports.run = () => new Promise((resolve, reject) => {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 20000 });
  mocha.addFile(${JSON.stringify(suiteFile)});
  mocha.run((failures) => (failures > 0 ? reject(new Error(failures + ' test(s) failed')) : resolve()));
});
`;
}

function suiteJs(expectedUid: number, fail: boolean): string {
  return `
const assert = require('assert');
const vscode = require('vscode');
suite('harness probe', () => {
  test('the probe command is registered and runs in this extension host', async () => {
    // Tests may start before onStartupFinished fires: activate explicitly, as real suites do.
    await vscode.extensions.getExtension('pidns-test.harness-probe').activate();
    const all = await vscode.commands.getCommands(true);
    assert.ok(all.includes('harnessProbe.hello'), 'command not registered');
    const uid = await vscode.commands.executeCommand('harnessProbe.hello');
    assert.strictEqual(uid, ${expectedUid}, 'extension host runs as uid ' + uid);
  });
  test('deliberate outcome', () => {
    assert.strictEqual(1 + 1, ${fail ? 3 : 2});
  });
});
`;
}

export interface ProbeFiles { extensionPath: string; passingTests: string; failingTests: string; hangingTests: string }

/** Writes the probe extension into dir; suites check the extension host runs as expectedUid. */
export function writeProbeExtension(dir: string, expectedUid: number): ProbeFiles {
  mkdirSync(join(dir, 'test'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: 'harness-probe', publisher: 'pidns-test', version: '0.0.1', engines: { vscode: '^1.100.0' },
    main: './extension.js', activationEvents: ['onStartupFinished'],
    contributes: {
      commands: [{ command: 'harnessProbe.hello', title: 'Say Hello', category: 'Harness Probe' }],
      viewsContainers: { activitybar: [{ id: 'harnessProbe', title: PROBE.container, icon: 'icon.svg' }] },
      views: { harnessProbe: [{ id: 'harnessProbe.items', name: PROBE.view }] },
    },
  }, null, 2));
  writeFileSync(join(dir, 'extension.js'), EXTENSION_JS);
  writeFileSync(join(dir, 'icon.svg'), ICON_SVG);
  writeFileSync(join(dir, 'test', 'pass.suite.js'), suiteJs(expectedUid, false));
  writeFileSync(join(dir, 'test', 'fail.suite.js'), suiteJs(expectedUid, true));
  writeFileSync(join(dir, 'test', 'pass.js'), runnerJs(join(dir, 'test', 'pass.suite.js')));
  writeFileSync(join(dir, 'test', 'fail.js'), runnerJs(join(dir, 'test', 'fail.suite.js')));
  // A runner that never settles: the harness must time out loudly rather than hang the test run.
  writeFileSync(join(dir, 'test', 'hang.js'), "exports.run = () => { console.log('probe: hanging on purpose'); return new Promise(() => {}); };\n");
  return { extensionPath: dir, passingTests: join(dir, 'test', 'pass.js'), failingTests: join(dir, 'test', 'fail.js'), hangingTests: join(dir, 'test', 'hang.js') };
}
