// The root-owned, system-wide copy of the helper that an administrator installs (scripts/install-system-helper.sh)
// and may pre-authorise in polkit or sudoers. Running it as root is only safe if nobody but root can change
// it or anything it loads: otherwise a user could rewrite the file polkit lets them run as root and own
// the machine. So before using it we check every path component and every file of its folder.
import { accessSync, constants, lstatSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';

export const INSTALLED_HELPER_DIR = '/usr/local/lib/pidns-explorer';
/** Named by the polkit action's org.freedesktop.policykit.exec.path (media/org.pidns-explorer.helper.policy). */
export const INSTALLED_HELPER = `${INSTALLED_HELPER_DIR}/pidns-helper`;

export type InstalledHelperState =
  { state: 'absent' } | { state: 'safe'; path: string } | { state: 'unsafe'; path: string; problem: string };

/** Is the installed helper there, and can it be trusted to run as root? */
export function inspectInstalledHelper(path = INSTALLED_HELPER): InstalledHelperState {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return { state: 'absent' };
  }
  const problem = unsafePathProblem(path) ?? unsafePathProblem(real) ?? unsafeTreeProblem(dirname(real)) ?? notExecutable(real);
  return problem ? { state: 'unsafe', path, problem } : { state: 'safe', path };
}

/**
 * Every finding of the same rules, not only the first: what `pidns audit-install` prints and what
 * scripts/install-system-helper.sh fails on. An absent helper is a finding too.
 */
export function auditInstalledHelper(path = INSTALLED_HELPER): string[] {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    return [`${path}: ${(e as Error).message}`];
  }
  const findings: string[] = [];
  for (const p of new Set([path, real])) {
    const problem = unsafePathProblem(p);
    if (problem) findings.push(problem);
  }
  treeProblems(dirname(real), findings, 0);
  const exec = notExecutable(real);
  if (exec) findings.push(exec);
  return [...new Set(findings)];
}

/** Why `path` (each component from / down, without following the last symlink) is not root-controlled, or undefined. */
export function unsafePathProblem(path: string): string | undefined {
  const parts = path.split('/').filter((p) => p.length > 0);
  let current = '/';
  for (const part of ['', ...parts]) {
    current = part === '' ? '/' : join(current, part);
    let st: Stats;
    try {
      st = lstatSync(current);
    } catch (e) {
      return `${current}: ${(e as Error).message}`;
    }
    const problem = statProblem(current, st);
    if (problem) return problem;
  }
  return undefined;
}

/** Walks the folder: every entry root-owned and not writable by group or others; symlinks must resolve to safe paths. */
export function unsafeTreeProblem(dir: string): string | undefined {
  const findings: string[] = [];
  treeProblems(dir, findings, 0, 1);
  return findings[0];
}

/** Adds the tree's findings to `out`, stopping once it holds `max`. */
function treeProblems(dir: string, out: string[], depth: number, max = Infinity): void {
  if (depth > 16) {
    out.push(`${dir}: folder tree too deep`);
    return;
  }
  for (const name of readdirSync(dir)) {
    if (out.length >= max) return;
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(p);
      } catch {
        out.push(`${p}: dangling symlink`);
        continue;
      }
      const problem = unsafePathProblem(target);
      if (problem) out.push(`${p} -> ${problem}`);
      continue;
    }
    const problem = statProblem(p, st);
    if (problem) out.push(problem);
    // A folder someone else controls is reported once; what is inside it could change anyway.
    else if (st.isDirectory()) treeProblems(p, out, depth + 1, max);
  }
}

// pkexec and sudo would fail on it with a vaguer message; say it here.
function notExecutable(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return `${path} is not executable`;
  }
}

// Sticky world-writable folders (/tmp) are refused too: a path through one is not where an admin installs root code.
function statProblem(path: string, st: Stats): string | undefined {
  if (st.uid !== 0) return `${path} is owned by uid ${st.uid}, not root`;
  if (st.isSymbolicLink()) return undefined; // a symlink's own mode is meaningless; its target is checked by realpath
  if ((st.mode & 0o022) !== 0)
    return `${path} is writable by ${st.mode & 0o002 ? 'others' : 'its group'} (mode ${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}
