// `npm run package`: one .vsix per Linux target (dist/vsix/pidns-explorer-<target>-<version>.vsix), so that a
// Remote-SSH host of either kind gets a helper that runs there. Each carries:
//   dist/ bundles, the native init compiled for the target, koffi with ONLY the target's @koromix/koffi-<target> build,
//   and scripts/install-system-helper.sh (the "Install the System Helper…" command runs it).
// How: build once, then per target stage a folder (.cache/package/<target>) holding exactly those files plus a
// production package.json, and run @vscode/vsce there (offline). The other architecture's koffi build comes from
// the npm registry (`npm pack`, cached in .cache/koffi); the arm64 init from Debian's aarch64-linux-gnu-gcc,
// installed here when missing (root). Every init is linked statically and checked (scripts/elf.mjs); a target
// whose init cannot be built that way fails the package instead of shipping without it.
// Usage: node scripts/package.mjs [--target linux-x64,linux-arm64] [--no-build]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { elfInterpreter } from './elf.mjs';

const root = new URL('..', import.meta.url).pathname;
if (!existsSync(join(root, 'node_modules', 'koffi', 'package.json'))) {
  console.error('package: node_modules is missing: run `npm ci` first');
  process.exit(1);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const koffiVersion = JSON.parse(readFileSync(join(root, 'node_modules/koffi/package.json'), 'utf8')).version;
const outDir = join(root, 'dist', 'vsix');

// vsce target name -> node arch, the compiler for the native init, the Debian package that provides it, ELF e_machine.
const TARGETS = {
  'linux-x64': { arch: 'x64', cc: 'x86_64-linux-gnu-gcc', apt: ['gcc-x86-64-linux-gnu', 'libc6-dev-amd64-cross'], machine: 0x3e },
  'linux-arm64': { arch: 'arm64', cc: 'aarch64-linux-gnu-gcc', apt: ['gcc-aarch64-linux-gnu', 'libc6-dev-arm64-cross'], machine: 0xb7 },
};

const argTargets = process.argv.find((a, i) => process.argv[i - 1] === '--target');
const targets = argTargets ? argTargets.split(',') : Object.keys(TARGETS);
for (const t of targets) if (!TARGETS[t]) throw new Error(`unknown target ${t}; known: ${Object.keys(TARGETS).join(', ')}`);

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts });
const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const dpkgInstalled = (p) => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).includes('install ok installed');
  } catch {
    return false;
  }
};

/** The C compiler for a target's init: the host's cc for the host arch, else the cross compiler and its libc (installed if we can). */
function compilerFor(target) {
  const t = TARGETS[target];
  if (t.arch === process.arch) return process.env.CC || 'cc';
  const missing = t.apt.filter((p) => !dpkgInstalled(p));
  if (missing.length > 0 && process.getuid?.() === 0 && has('apt-get')) {
    console.log(`package: installing ${missing.join(' ')} for the ${target} init`);
    const apt = (...args) =>
      run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', '-y', '-q', ...args], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    try {
      apt('install', '--no-install-recommends', ...missing);
    } catch {
      apt('update');
      apt('install', '--no-install-recommends', ...missing);
    }
  }
  return has(t.cc) ? t.cc : null;
}

/**
 * Compiles the init as scripts/build.mjs does: static (static-pie, else plain static), never dynamic, and
 * checked to have no ELF interpreter, because a Remote-SSH host need not have the libc it was built against.
 * No source, no compiler, or no static link: the package fails, rather than ship a .vsix without its init.
 */
function compileInit(target, dest) {
  const src = join(root, 'helper-native/init/pidns-init.c');
  if (!existsSync(src)) throw new Error(`package: ${src} is missing`);
  const cc = compilerFor(target);
  if (!cc) {
    throw new Error(
      `package: no C compiler for the ${target} init: as root, apt-get install ${TARGETS[target].apt.join(' ')} (or run this as root, which installs them), or pass --target ${Object.keys(TARGETS).find((t) => TARGETS[t].arch === process.arch)}`,
    );
  }
  mkdirSync(join(dest, '..'), { recursive: true });
  const common = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-o', dest, src];
  const errors = [];
  for (const link of ['-static-pie', '-static']) {
    try {
      execFileSync(cc, [link, ...common], { stdio: 'pipe' });
      errors.length = 0;
      break;
    } catch (e) {
      errors.push(`${cc} ${link}: ${String(e.stderr)}`);
    }
  }
  if (errors.length > 0)
    throw new Error(`package: the ${target} init does not link statically (it needs the target's libc.a):\n${errors.join('\n')}`);
  const interp = elfInterpreter(dest);
  if (interp !== null) throw new Error(`package: the ${target} init is not static: it asks for the interpreter ${interp}`);
}

/** ELF e_machine of a binary, to prove the init was built for the target. */
function elfMachine(file) {
  const b = readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not ELF`);
  return b.readUInt16LE(18);
}

/** The folder of @koromix/koffi-linux-<arch>: node_modules for the installed one, else npm pack (cached). */
function koffiNative(arch) {
  const name = `@koromix/koffi-linux-${arch}`;
  const installed = join(root, 'node_modules', name);
  if (existsSync(join(installed, 'package.json'))) return installed;
  const cache = join(root, '.cache', 'koffi', `koffi-linux-${arch}-${koffiVersion}`);
  if (!existsSync(join(cache, 'package', 'package.json'))) {
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    const file = execFileSync('npm', ['pack', `${name}@${koffiVersion}`, '--pack-destination', cache, '--silent'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop();
    run('tar', ['xzf', join(cache, file), '-C', cache]);
  }
  return join(cache, 'package');
}

/** The manifest a .vsix needs: everything but development-only fields (and no scripts for vsce to run). */
function productionManifest() {
  const manifest = { ...pkg };
  for (const key of ['devDependencies', 'scripts', 'bin', 'private']) delete manifest[key];
  return manifest;
}

function stage(target) {
  const t = TARGETS[target];
  const dir = join(root, '.cache', 'package', target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'dist', 'native'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(productionManifest(), null, 2));
  for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore', 'media']) {
    if (existsSync(join(root, f))) cpSync(join(root, f), join(dir, f), { recursive: true });
  }
  // "Install the System Helper…" runs it from the installed extension (through pkexec).
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  cpSync(join(root, 'scripts', 'install-system-helper.sh'), join(dir, 'scripts', 'install-system-helper.sh'));
  for (const f of ['extension.js', 'pidns.js', 'webview.js']) {
    if (!existsSync(join(root, 'dist', f))) throw new Error(`dist/${f} missing: the build failed?`);
    cpSync(join(root, 'dist', f), join(dir, 'dist', f));
  }
  const init = join(dir, 'dist', 'native', 'pidns-init');
  compileInit(target, init);
  if (elfMachine(init) !== t.machine) throw new Error(`${target} init built for the wrong machine`);
  cpSync(join(root, 'node_modules', 'koffi'), join(dir, 'node_modules', 'koffi'), { recursive: true });
  cpSync(koffiNative(t.arch), join(dir, 'node_modules', '@koromix', `koffi-linux-${t.arch}`), { recursive: true });
  return dir;
}

function packageTarget(target) {
  const dir = stage(target);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${pkg.name}-${target}-${pkg.version}.vsix`);
  rmSync(out, { force: true });
  const flags = ['--target', target, '--out', out, '--no-rewrite-relative-links'];
  if (!pkg.repository) flags.push('--allow-missing-repository');
  run(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', ...flags], { cwd: dir });
  return out;
}

if (!process.argv.includes('--no-build')) run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
const made = targets.map(packageTarget);
console.log(`\npackage: ${made.length} .vsix in ${outDir}:`);
for (const f of readdirSync(outDir).filter((f) => made.includes(join(outDir, f)))) console.log(`  ${f}`);
