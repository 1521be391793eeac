// Small C load generators for the reliability tests and the bench, compiled on demand with the system C
// compiler into a temp dir (a C fork loop reaches thousands of forks a second; a shell or Node one does not).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/paths';

/** Where the C sources live, whether this runs as test/integration/*.ts or out/test/integration/*.js. */
export function nativeSourceDir(): string {
  return join(repoRoot(), 'test', 'integration', 'support', 'native');
}

/** The helper/CLI bundle that `node scripts/build.mjs` writes. */
export function pidnsBundle(): string {
  const path = join(repoRoot(), 'dist', 'pidns.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run 'node scripts/build.mjs' first`);
  return path;
}

/** A copy of the CLI bundle in a temp dir with `native` set up by `prepare`, so findNativeInit sees only that. */
export function bundleCopy(t: TestContext, prepare: (nativeDir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'pidns-noinit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(pidnsBundle(), join(dir, 'pidns.js'));
  symlinkSync(join(repoRoot(), 'node_modules'), join(dir, 'node_modules')); // koffi is external to the bundle
  mkdirSync(join(dir, 'native'));
  prepare(join(dir, 'native'));
  return join(dir, 'pidns.js');
}

/** A bundle that finds no native init: chains are built by the util-linux fallback. */
export function bundleWithoutInit(t: TestContext): string {
  return bundleCopy(t, () => undefined);
}

export interface Built {
  path: string;
  /** Removes the temp dir holding the binary. */
  remove(): void;
}

/** Compile test/integration/support/native/NAME.c into a fresh temp dir. */
export function buildNative(name: string): Built {
  const dir = mkdtempSync(join(tmpdir(), `pidns-${name}-`));
  const path = join(dir, name);
  try {
    execFileSync(
      process.env.CC || 'cc',
      ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-o', path, join(nativeSourceDir(), `${name}.c`)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
