// The PID namespace this extension host is in, read without the helper: the tree's first row can be drawn
// before the helper said hello. The helper is started from this process (directly, by pkexec or by sudo, none
// of which enter another PID namespace) and names its own namespace, the model's root, by the same stat of
// /proc/self/ns/pid (helper-native/src/scan/poller.ts), so the key is the one the model will use. Node's fs
// only: the helper's scan reads go through koffi, which the extension host does not load.
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import type { NsId } from '../../shared/core/types';

export interface OwnNamespace extends NsId {
  /** The command of its PID 1, when /proc is this namespace's own and PID 1 is readable. */
  initComm: string | undefined;
}

export function ownPidNamespace(procRoot = '/proc'): OwnNamespace | undefined {
  let st;
  try {
    st = statSync(`${procRoot}/self/ns/pid`);
  } catch {
    return undefined;
  }
  return { dev: st.dev, inode: st.ino, initComm: ownProc(procRoot) ? readComm(`${procRoot}/1/comm`) : undefined };
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
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
