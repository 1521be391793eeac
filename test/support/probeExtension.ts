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

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/></svg>';

/**
 * A runner module in the @vscode/test-electron convention (exports run(): Promise<void>) through the same
 * mocha run as the real suite (test/support/mochaRunner.ts, compiled to out/), so the harness tests prove it.
 */
function runnerJs(suiteFile: string): string {
  const runner = join(repoRoot(), 'out', 'test', 'support', 'mochaRunner.js');
  return `
const { runMocha } = require(${JSON.stringify(runner)});
exports.run = () => runMocha([${JSON.stringify(suiteFile)}], { ui: 'tdd', color: false, timeout: 20000 });
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

export interface ProbeFiles {
  extensionPath: string;
  passingTests: string;
  failingTests: string;
  hangingTests: string;
  /** One passing test and one skipped with this.skip(): must fail the run. */
  pendingTests: string;
  /** A suite with no test in it: must fail the run. */
  emptyTests: string;
}

/** Writes the probe extension into dir; suites check the extension host runs as expectedUid. */
export function writeProbeExtension(dir: string, expectedUid: number): ProbeFiles {
  mkdirSync(join(dir, 'test'), { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'harness-probe',
        publisher: 'pidns-test',
        version: '0.0.1',
        engines: { vscode: '^1.100.0' },
        main: './extension.js',
        activationEvents: ['onStartupFinished'],
        contributes: {
          commands: [{ command: 'harnessProbe.hello', title: 'Say Hello', category: 'Harness Probe' }],
          viewsContainers: { activitybar: [{ id: 'harnessProbe', title: PROBE.container, icon: 'icon.svg' }] },
          views: { harnessProbe: [{ id: 'harnessProbe.items', name: PROBE.view }] },
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'extension.js'), EXTENSION_JS);
  writeFileSync(join(dir, 'icon.svg'), ICON_SVG);
  writeFileSync(join(dir, 'test', 'pass.suite.js'), suiteJs(expectedUid, false));
  writeFileSync(join(dir, 'test', 'fail.suite.js'), suiteJs(expectedUid, true));
  writeFileSync(
    join(dir, 'test', 'pending.suite.js'),
    `suite('harness probe', () => {
  test('runs', () => {});
  test('skips itself', function () { this.skip(); });
});
`,
  );
  writeFileSync(join(dir, 'test', 'empty.suite.js'), "suite('harness probe with no tests', () => {});\n");
  writeFileSync(join(dir, 'test', 'pending.js'), runnerJs(join(dir, 'test', 'pending.suite.js')));
  writeFileSync(join(dir, 'test', 'empty.js'), runnerJs(join(dir, 'test', 'empty.suite.js')));
  writeFileSync(join(dir, 'test', 'pass.js'), runnerJs(join(dir, 'test', 'pass.suite.js')));
  writeFileSync(join(dir, 'test', 'fail.js'), runnerJs(join(dir, 'test', 'fail.suite.js')));
  // A runner that never settles: the harness must time out loudly rather than hang the test run.
  writeFileSync(
    join(dir, 'test', 'hang.js'),
    "exports.run = () => { console.log('probe: hanging on purpose'); return new Promise(() => {}); };\n",
  );
  return {
    extensionPath: dir,
    passingTests: join(dir, 'test', 'pass.js'),
    failingTests: join(dir, 'test', 'fail.js'),
    hangingTests: join(dir, 'test', 'hang.js'),
    pendingTests: join(dir, 'test', 'pending.js'),
    emptyTests: join(dir, 'test', 'empty.js'),
  };
}
