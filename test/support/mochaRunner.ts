// The mocha run for suites inside an extension host (the @vscode/test-electron convention: run() rejects on
// failure). A run also fails when it ran no test at all or left any test pending (skipped): a suite that
// loads nothing, or skips in silence, proves nothing and must not read as green.
import Mocha from 'mocha';

export function runMocha(files: string[], options: Mocha.MochaOptions): Promise<void> {
  const mocha = new Mocha(options);
  for (const f of files) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    const pending: string[] = [];
    let ran = 0;
    const runner = mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else if (ran === 0) reject(new Error(`no test ran (files: ${files.join(', ') || 'none'})`));
      else if (pending.length > 0) reject(new Error(`${pending.length} test(s) pending, every test must run: ${pending.join('; ')}`));
      else resolve();
    });
    runner.on('pending', (t: Mocha.Test) => pending.push(t.fullTitle()));
    runner.on('test end', (t: Mocha.Test) => {
      if (!t.isPending()) ran++;
    });
  });
}
