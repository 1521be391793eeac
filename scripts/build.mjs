// `npm run build`: every artefact in one go.
//  - dist/pidns.js      the CLI and helper (node), koffi left external: it loads a per-platform .node file
//  - dist/extension.js  the extension host bundle (vscode external)
//  - dist/webview.js    the D3 client (browser IIFE)
//  - dist/bench.js      the benchmark runner
//  - dist/native/pidns-init  the native init, compiled with the system C compiler as a static-pie binary
//  - out/**             every TypeScript file transpiled one-to-one, for node:test and mocha
// Anything missing or failing fails the build: an entry or source folder that is not there, a native init
// that does not compile statically (it needs libc.a: Debian's libc6-dev), or one that still has an interpreter.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { elfInterpreter } from './elf.mjs';

const root = new URL('..', import.meta.url).pathname;
const withNative = !process.argv.includes('--no-native');

const bundles = [
  { entry: 'helper-native/src/cli/main.ts', out: 'dist/pidns.js', platform: 'node', banner: '#!/usr/bin/env node', external: ['koffi'] },
  { entry: 'extension/extension.ts', out: 'dist/extension.js', platform: 'node', external: ['vscode'] },
  { entry: 'webview/main.ts', out: 'dist/webview.js', platform: 'browser', format: 'iife' },
  { entry: 'bench/main.ts', out: 'dist/bench.js', platform: 'node', external: ['koffi', 'playwright-core'] },
];

function listTs(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) throw new Error(`build: source folder ${dir} is missing`);
  const files = [];
  for (const name of readdirSync(abs)) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) files.push(...listTs(relative(root, p)));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(relative(root, p));
  }
  return files;
}

async function bundleAll() {
  for (const b of bundles) if (!existsSync(join(root, b.entry))) throw new Error(`build: entry ${b.entry} is missing`);
  await Promise.all(
    bundles.map((b) =>
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
    else if (name.endsWith('.js') && !existsSync(join(root, relative(join(root, 'out'), p)).replace(/\.js$/, '.ts')))
      rmSync(p, { force: true });
  }
}

async function transpileAll() {
  pruneOut();
  const entries = ['shared', 'helper-native/src', 'extension', 'webview', 'test', 'bench'].flatMap(listTs).map((f) => join(root, f));
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
  if (!existsSync(src)) throw new Error(`build: ${relative(root, src)} is missing`);
  mkdirSync(join(root, 'dist/native'), { recursive: true });
  const out = join(root, 'dist/native/pidns-init');
  const cc = process.env.CC || 'cc';
  // Static, so that the same file runs in any mount namespace and on any host of the architecture.
  execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-static-pie', '-o', out, src], { stdio: 'inherit' });
  const interp = elfInterpreter(out);
  if (interp !== null) {
    rmSync(out, { force: true });
    throw new Error(`build: ${relative(root, out)} is not static: it asks for the interpreter ${interp}`);
  }
}

mkdirSync(join(root, 'dist'), { recursive: true });
await Promise.all([bundleAll(), transpileAll()]);
if (withNative) buildNative();
