// Watches every /proc/PID/cmdline and /proc/PID/environ (as root: every process's) for secrets, in passes
// back to back until stopped. Each pass also records whether a process `sudoAlive()` picks was there, so a
// test can show it looked while sudo ran and not only before or after.
import { readdirSync, readFileSync } from 'node:fs';

export interface SecretWatch {
  /** Where a secret was found: "/proc/PID/cmdline (comm)". */
  hits: string[];
  passes: number;
  /** Passes during which sudoAlive() named a process, per label given to mark(). */
  passesWithSudo: Map<string, number>;
  /** Labels the passes that follow (e.g. "wrong password", "right password"). */
  mark(label: string): void;
  stop(): Promise<void>;
}

function readOrEmpty(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return Buffer.alloc(0); // exited meanwhile, or a kernel thread
  }
}

export function watchSecrets(secrets: string[], sudoAlive: () => number | undefined): SecretWatch {
  const needles = secrets.map((s) => Buffer.from(s));
  let label = '';
  let running = true;
  const w: SecretWatch = {
    hits: [],
    passes: 0,
    passesWithSudo: new Map(),
    mark: (l) => {
      label = l;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
  const pass = (): void => {
    const sudo = sudoAlive();
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      for (const file of ['cmdline', 'environ']) {
        const content = readOrEmpty(`/proc/${pid}/${file}`);
        if (!needles.some((n) => content.includes(n))) continue;
        const where = `/proc/${pid}/${file} (${readOrEmpty(`/proc/${pid}/comm`).toString().trim()})`;
        if (!w.hits.includes(where)) w.hits.push(where);
      }
    }
    // Counted only if sudo was there both before and after the pass: it ran during all of it.
    if (sudo !== undefined && sudoAlive() === sudo) w.passesWithSudo.set(label, (w.passesWithSudo.get(label) ?? 0) + 1);
    w.passes++;
  };
  const loop = (async () => {
    while (running) {
      pass();
      // Yield between passes: the same process drives the browser.
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return w;
}
