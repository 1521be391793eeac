// The one way to pair a process's NSpid with the namespaces it belongs to. NSpid lists the process's PID from
// the procfs's namespace (first) down to its own (last); the chain of namespaces is read separately and can
// be shorter (an ancestor we could not read) or, in a torn snapshot, longer. Aligning from the innermost entry
// keeps every known namespace's PID right: a gap shows as an unknown namespace at the top, never as a shift.

export interface LevelPid<N> {
  /** 0 for NSpid's first entry (the procfs's namespace), counting inwards. */
  level: number;
  /** The namespace at that level, or undefined where the chain does not reach. */
  ns: N | undefined;
  pid: number;
}

/** `chain`: the process's namespaces, outermost first, ending with its own. */
export function alignLevels<N>(chain: readonly N[], nspid: readonly number[]): LevelPid<N>[] {
  const offset = chain.length - nspid.length;
  return nspid.map((pid, i) => ({ level: i, ns: chain[i + offset], pid }));
}
