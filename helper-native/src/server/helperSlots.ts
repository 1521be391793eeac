// The helpers-per-user limit: a root helper acting for a user holds one of a few slots, so a user cannot make
// root keep an unbounded number of helpers (each a Node process with its chains) alive. A slot is an abstract
// unix socket name: the kernel frees it when its holder dies however it dies, so no stale lock can remain.
import { createServer, type Server } from 'node:net';

export const MAX_HELPERS_PER_USER = 4;

function bind(name: string): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(name, () => {
      server.unref(); // holding the name must not keep the helper alive
      resolve(server);
    });
  });
}

/** Take a free slot for `uid`, or null when all MAX_HELPERS_PER_USER are held by live helpers. */
export async function takeHelperSlot(uid: number, max = MAX_HELPERS_PER_USER): Promise<Server | null> {
  for (let slot = 0; slot < max; slot++) {
    const held = await bind(`\0pidns-explorer-helper-${uid}-${slot}`);
    if (held) return held;
  }
  return null;
}
