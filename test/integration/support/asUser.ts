// How the integration tests run a program as another (non-root) user: setpriv with that uid and gid and no
// supplementary groups, so the program has exactly what a login of that user without extra groups would have.

/** `argv` run as `user` through setpriv. */
export function asUser(user: { uid: number; gid: number }, argv: string[]): string[] {
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', ...argv];
}
