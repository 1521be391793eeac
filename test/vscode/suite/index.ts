// Entry point in the @vscode/test-electron convention: a module exporting run(): Promise<void>. The
// extension host (code-server's here, desktop VS Code's through support/runElectron.ts elsewhere) loads it and
// takes a rejection as failure. It runs mocha over every *.test.js beside it; failing, pending or no tests
// at all reject (test/support/mochaRunner.ts).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runMocha } from '../../support/mochaRunner';

export function run(): Promise<void> {
  const files = readdirSync(__dirname)
    .filter((n) => n.endsWith('.test.js'))
    .sort()
    .map((f) => join(__dirname, f));
  // Creating namespaces through pkexec and waiting for polls takes seconds, not mocha's default 2 s.
  // PIDNS_SUITE_GREP (passed on by extensionSuite.test.ts) runs a subset while working on the suite; tests
  // that later ones depend on (create) must match too.
  return runMocha(files, { ui: 'tdd', color: false, timeout: 120_000, reporter: 'spec', grep: process.env.PIDNS_SUITE_GREP });
}
