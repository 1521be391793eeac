// The `hello` event, written before anything is read: it proves the privilege step worked and tells the
// client who the helper is (uid, who it acts for, capabilities, kernel, whether the native init exists).
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import { PROTOCOL_VERSION, type HelloEvent } from '../../../shared/helperProtocol';
import { findNativeInit, nativeInitRuns } from '../create/runtime';
import { helperIdentity, type HelperIdentity } from '../identity/actingUser';
import { openProcConnector } from '../scan/procConnector';
import { effectiveCapabilities } from './capabilities';

/**
 * Path of the native init the create ops will use, or null. The same lookup and run check as the
 * ChainManager (create/runtime.ts), so hello never claims an init that create then falls back from
 * (e.g. a binary for another architecture).
 */
export function nativeInitPath(): string | null {
  const path = findNativeInit();
  return path !== null && nativeInitRuns(path) ? path : null;
}

/** package.json's version, looked up from the bundle's or the transpiled file's directory. */
function helperVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pidns-explorer' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // keep walking up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

/** Subscribe to the kernel's process events and unsubscribe at once: can the stream be event-driven here? */
export function probeKernelEvents(): { available: boolean; why: string } {
  if (process.env.PIDNS_EVENTS === '0') return { available: false, why: 'kernel events are turned off (PIDNS_EVENTS=0)' };
  const r = openProcConnector({ events: () => undefined, lost: () => undefined, failed: () => undefined }, { ackTimeoutMs: 500 });
  if (!r.ok) return { available: false, why: r.why };
  r.connector.close();
  return { available: true, why: 'the kernel acknowledged a proc connector subscription' };
}

export function helloEvent(id: HelperIdentity = helperIdentity()): HelloEvent {
  let caps: string[] = [];
  try {
    caps = effectiveCapabilities(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    // no procfs: report none rather than fail the handshake
  }
  return {
    type: 'event',
    event: 'hello',
    protocol: PROTOCOL_VERSION,
    helperVersion: helperVersion(),
    uid: id.uid,
    actingForUid: id.actingForUid,
    via: id.via,
    capabilities: caps,
    kernel: release(),
    pid: process.pid,
    nativeInit: nativeInitPath() !== null,
    kernelEvents: probeKernelEvents(),
    snapshotHead: true,
  };
}
