// The PID namespace this extension host is in, read without the helper: the tree's first row can be drawn
// before the helper said hello. The helper is started from this process (directly, by pkexec or by sudo, none
// of which enter another PID namespace) and names its own namespace, the model's root, by the same stat of
// /proc/self/ns/pid (helper-native/src/scan/poller.ts), so the key is the one the model will use.
import { readlinkSync } from 'node:fs';
import { readProcText, statIdentity } from '../../helper-native/src/scan/procFiles';
import type { NsId } from '../../shared/core/types';

export interface OwnNamespace extends NsId {
  /** The command of its PID 1, when /proc is this namespace's own and PID 1 is readable. */
  initComm: string | undefined;
}

export function ownPidNamespace(procRoot = '/proc'): OwnNamespace | undefined {
  const self = statIdentity(`${procRoot}/self/ns/pid`);
  if (!self.ok) return undefined;
  return { ...self.value, initComm: ownProc(procRoot) ? readComm(`${procRoot}/1/comm`) : undefined };
}

/** /proc/1 is this namespace's init only where /proc was mounted for this namespace: its `self` is our PID. */
function ownProc(procRoot: string): boolean {
  try {
    return readlinkSync(`${procRoot}/self`) === String(process.pid);
  } catch {
    return false;
  }
}

function readComm(path: string): string | undefined {
  const r = readProcText(path);
  return r.ok ? r.value.trim() || undefined : undefined;
}
