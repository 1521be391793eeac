// The benchmark contract: a suite produces rows; main prints them and checks budgets.

export interface Row {
  name: string;
  value: number;
  unit: string;
  /** Name of the row this one is compared with (e.g. "lsns -t pid"). */
  anchor?: string;
  /** value / anchor's value. */
  ratio?: number;
  /** Largest allowed ratio (or value, when there is no ratio); --check fails above it. */
  budget?: number;
  /** Smallest allowed value (a count that must reach a floor); --check fails below it. */
  atLeast?: number;
}

export interface BenchContext {
  json: boolean;
  check: boolean;
  /** Progress lines (stderr), never mixed into the results. */
  log(message: string): void;
}

export interface Suite {
  name: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
