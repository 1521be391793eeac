// waitFor: the one polling wait of the tests (node:test files and the extension-host suites alike). It only waits
// for a state to be reached and says what it waited for when it is not; it never retries an action.

/** What waitFor calls: a value once the state is reached, undefined or false until then. */
export type Probe<T> = () => T | undefined | false | Promise<T | undefined | false>;

/** Calls `probe` every `everyMs` until it gives a value other than undefined or false; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: Probe<T>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
