// Entry point in the @vscode/test-electron convention: a module exporting run(): Promise<void>. The
// extension host (code-server's here, desktop VS Code's through runElectron.ts elsewhere) loads it and
// takes a rejection as failure. It runs mocha over every *.test.js beside it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // Creating namespaces through pkexec and waiting for polls takes seconds, not mocha's default 2 s.
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, reporter: 'spec' });
  for (const f of readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension test(s) failed`)) : resolve()));
  });
}
