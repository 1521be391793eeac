// `npm run build`: every artefact in one go.
//  - dist/pidns.js      the CLI and helper (node), koffi left external: it loads a per-platform .node file
//  - dist/extension.js  the extension host bundle (vscode external)
//  - dist/webview.js    the D3 client (browser IIFE)
//  - dist/bench.js      the benchmark runner
//  - dist/native/pidns-init  the native init, compiled with the system C compiler
//  - out/**             every TypeScript file transpiled one-to-one, for node:test and mocha
// Entries whose source does not exist yet are skipped, so the build works while the tree grows.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const withNative = !process.argv.includes("--no-native");

const bundles = [
  { entry: 'helper-native/src/cli/main.ts', out: 'dist/pidns.js', platform: 'node', banner: '#!/usr/bin/env node', external: ['koffi'] },
  { entry: 'extension/extension.ts', out: 'dist/extension.js', platform: 'node', external: ['vscode'] },
  { entry: 'webview/main.ts', out: 'dist/webview.js', platform: 'browser', format: 'iife' },
  { entry: 'bench/main.ts', out: 'dist/bench.js', platform: 'node', external: ['koffi', 'playwright-core'] },
];

function listTs(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const files = [];
  for (const name of readdirSync(abs)) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) files.push(...listTs(relative(root, p)));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(relative(root, p));
  }
  return files;
}

async function bundleAll() {
  await Promise.all(
    bundles
      .filter((b) => existsSync(join(root, b.entry)))
      .map((b) =>
        build({
          entryPoints: [join(root, b.entry)],
          outfile: join(root, b.out),
          bundle: true,
          platform: b.platform,
          format: b.format ?? 'cjs',
          target: b.platform === 'node' ? 'node20' : 'chrome120',
          external: b.external ?? [],
          banner: b.banner ? { js: b.banner } : undefined,
          sourcemap: 'linked',
          minify: b.platform === 'browser',
          logLevel: 'warning',
        }),
      ),
  );
}

// Removes out/ files whose source is gone, instead of wiping out/: other processes (tests running from
// out/ while someone rebuilds) keep working, and a deleted test does not linger and run.
function pruneOut(dir = join(root, 'out')) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) pruneOut(p);
    else if (name.endsWith('.js') && !existsSync(join(root, relative(join(root, 'out'), p)).replace(/\.js$/, '.ts'))) rmSync(p, { force: true });
  }
}

async function transpileAll() {
  pruneOut();
  const entries = ['shared', 'helper-native/src', 'extension', 'webview', 'test', 'bench'].flatMap(listTs).map((f) => join(root, f));
  if (entries.length === 0) return;
  await build({
    entryPoints: entries,
    outdir: join(root, 'out'),
    outbase: root,
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

function buildNative() {
  const src = join(root, 'helper-native/init/pidns-init.c');
  if (!existsSync(src)) return;
  mkdirSync(join(root, 'dist/native'), { recursive: true });
  const cc = process.env.CC || 'cc';
  try {
    execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-static-pie', '-o', join(root, 'dist/native/pidns-init'), src], { stdio: 'inherit' });
  } catch {
    // A static build needs libc.a; fall back to a dynamic one rather than no init at all.
    execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-o', join(root, 'dist/native/pidns-init'), src], { stdio: 'inherit' });
  }
}

mkdirSync(join(root, 'dist'), { recursive: true });
await Promise.all([bundleAll(), transpileAll()]);
if (withNative) buildNative();
