// Starts bench/sleepers.c (compiled on the fly): the scaled-up load whose inits respawn killed sleepers, so
// the bench can churn a given share of the processes between polls. Torn down by killing its process
// group, on stop(), on Ctrl-C/SIGTERM and when we exit (and by itself when our stdin pipe closes).
import { readFileSync } from 'node:fs';
import { groupMembers, startGroupLoad, type LoadShape } from './load';

export interface SleepersLoad {
  namespaces: number;
  processes: number;
  pgid: number;
  /** Host PIDs of the sleepers (not the inits), read now. */
  sleepers(): number[];
  stop(): Promise<void>;
}

/** A sleeper is a group member inside a child namespace whose own-namespace PID is not 1. */
function isSleeper(pid: number): boolean {
  try {
    const nspid =
      /^NSpid:\s*(.*)$/m
        .exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
        .trim()
        .split(/\s+/) ?? [];
    return nspid.length > 1 && nspid[nspid.length - 1] !== '1';
  } catch {
    return false;
  }
}

export async function startSleepers(shape: LoadShape): Promise<SleepersLoad> {
  const load = await startGroupLoad('sleepers', shape, 120_000, 20_000);
  return { ...load, sleepers: () => groupMembers(load.pgid).filter(isSleeper) };
}
