// Where things are: the repository, the cached code-server, Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root, found from this file whether it runs as test/support/*.ts or out/test/support/*.js. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'scripts', 'install-code-server.sh'))) {
    const up = resolve(dir, '..');
    if (up === dir) throw new Error(`repository root not found above ${__dirname}`);
    dir = up;
  }
  return dir;
}

let cachedBinary: string | undefined;

/**
 * The pinned code-server's launcher. The install script is the single source of truth for
 * the cache location and a no-op (milliseconds) once installed, so it is simply asked.
 */
export function codeServerBinary(): string {
  if (cachedBinary) return cachedBinary;
  const out = execFileSync('bash', [join(repoRoot(), 'scripts', 'install-code-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const bin = out.trim().split('\n').pop() ?? '';
  if (!existsSync(bin)) throw new Error(`install-code-server.sh printed ${JSON.stringify(bin)}, which does not exist`);
  cachedBinary = bin;
  return bin;
}

export const CHROMIUM = process.env.PIDNS_CHROMIUM ?? '/usr/bin/chromium';
