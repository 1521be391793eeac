// Where pkexec and sudo are. Never through PATH: a `~/.local/bin/sudo` early in the user's PATH (or one an
// extension put there) would receive the password typed into the VS Code box, and a fake pkexec would be
// "trusted" with the helper. Only a fixed list of system folders is searched, and a candidate is used only
// when it and every folder above it are root-owned and writable by nobody else (the installed helper's rule).
import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unsafePathProblem } from './installedHelper';

export type ElevationTool = 'pkexec' | 'sudo';
/** The tools the launcher and the installer command run by absolute path (bash runs the installer under pkexec). */
export type SystemTool = ElevationTool | 'bash';

/** The folders Debian, Fedora, Arch and Alpine put pkexec and sudo in; /bin and /sbin for unmerged /usr. */
export const SYSTEM_TOOL_DIRS: readonly string[] = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

export type ToolLookup =
  | { state: 'found'; path: string }
  | { state: 'missing' }
  /** Present in a system folder but not safe to trust (not root-owned, writable by others, not a file). */
  | { state: 'unsafe'; path: string; problem: string };

/** The first safe `name` in `dirs` (absolute path as found, so pkexec sees its usual argv[0]). */
export function findElevationTool(name: SystemTool, dirs: readonly string[] = SYSTEM_TOOL_DIRS): ToolLookup {
  let firstUnsafe: ToolLookup | undefined;
  for (const dir of dirs) {
    if (!dir.startsWith('/')) continue; // a relative folder would be PATH lookup by another name
    const candidate = join(dir, name);
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      continue; // not there
    }
    const problem = unsafePathProblem(candidate) ?? unsafePathProblem(real) ?? notRegularExecutable(real);
    if (!problem) return { state: 'found', path: candidate };
    firstUnsafe ??= { state: 'unsafe', path: candidate, problem };
  }
  return firstUnsafe ?? { state: 'missing' };
}

function notRegularExecutable(path: string): string | undefined {
  const st = statSync(path);
  if (!st.isFile()) return `${path} is not a regular file`;
  if ((st.mode & 0o111) === 0) return `${path} is not executable`;
  return undefined;
}
