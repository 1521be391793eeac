// `pidns audit-install [PATH]`: the ownership audit the launcher runs before it lets pkexec or sudo run
// the installed helper, as a command, so scripts/install-system-helper.sh can finish with exactly the
// same rules (and fail on any finding) instead of a shell imitation of them.
import { auditInstalledHelper, INSTALLED_HELPER } from '../launch/installedHelper';
import { UsageError, wantsHelp } from './usage';

export const AUDIT_HELP = `Usage: pidns audit-install [PATH]

Check that the installed helper (default ${INSTALLED_HELPER}) is safe to run as root:
it, every folder above it and every file and folder beside it are owned by root and
writable by nobody else, symlinks lead only to such paths, and the helper is executable.
Prints one line per finding on stderr and exits 1 if there is any; prints "ok" and exits 0 otherwise.
`;

export async function runAuditCommand(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(AUDIT_HELP);
    return 0;
  }
  if (argv.length > 1 || argv.some((a) => a.startsWith('-')))
    throw new UsageError(`audit-install: expected at most one PATH (see 'pidns audit-install --help')`);
  const path = argv[0] ?? INSTALLED_HELPER;
  const findings = auditInstalledHelper(path);
  for (const f of findings) process.stderr.write(`pidns audit-install: ${f}\n`);
  if (findings.length > 0) return 1;
  process.stdout.write(`ok: ${path} is root-owned and writable by root only, with everything it loads\n`);
  return 0;
}
