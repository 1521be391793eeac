// Entry of dist/bench.js (`npm run bench [-- --json] [-- --check] [-- --suite NAME]`).
// Each suite returns rows; a row with a budget is checked by --check (exit 1 when over budget).
// To add a suite, add ONE line to SUITES below (and its import).
import { containersSuite } from './containers';
import { createSuite } from './create';
import { e2eSuite } from './e2e';
import { eventsSuite } from './events';
import { extensionHostSuite } from './extensionHost';
import { latencySuite } from './latency';
import { scaleSuite } from './scale';
import { snapshotSuite } from './snapshot';
import { soakSuite } from './soak';
import { stormSuite } from './storm';
import { webviewSuite } from './webview';
import type { BenchContext, Row, Suite } from './types';
import { enableHolderThread } from '../helper-native/src/scan/holderThread';
import { PRODUCT_BUNDLE } from './measure';

const SUITES: Suite[] = [
  snapshotSuite,
  createSuite,
  webviewSuite,
  latencySuite,
  eventsSuite,
  stormSuite,
  scaleSuite,
  extensionHostSuite,
  containersSuite,
  e2eSuite,
];
/** Run only when named with --suite (too long for the default run). */
const ON_REQUEST: Suite[] = [soakSuite];

const HELP = `Usage: node dist/bench.js [--json] [--check] [--suite NAME]

Runs the benchmark suites (${SUITES.map((s) => s.name).join(', ')}) and prints one row per measurement;
${ON_REQUEST.map((s) => s.name).join(', ')} only when named (soak: BENCH_SOAK_MINUTES, default 30).
  --json         print the rows as JSON instead of a table
  --check        exit 1 if any row is over its budget
  --suite NAME   run only that suite (repeatable)
`;

/** A row is over budget when its ratio (or its value, without an anchor) exceeds the budget. */
export function overBudget(row: Row): boolean {
  if (row.atLeast !== undefined && !(row.value >= row.atLeast)) return true;
  if (row.budget === undefined) return false;
  const measured = row.ratio ?? row.value;
  return !(measured <= row.budget);
}

function table(rows: { suite: string; row: Row }[]): string {
  const lines = rows.map(({ suite, row }) => {
    const value = `${Number.isInteger(row.value) ? row.value : row.value.toFixed(2)} ${row.unit}`;
    const ratio = row.ratio === undefined ? '' : `${row.ratio.toFixed(3)}× ${row.anchor ?? ''}`;
    const budget =
      row.atLeast !== undefined
        ? `${overBudget(row) ? 'OVER' : 'ok'} (at least ${row.atLeast})`
        : row.budget === undefined
          ? ''
          : `${overBudget(row) ? 'OVER' : 'ok'} (budget ${row.ratio === undefined ? '' : '×'}${row.budget})`;
    return [`${suite}: ${row.name}`.padEnd(48), value.padStart(14), '  ', ratio.padEnd(26), budget].join('').trimEnd();
  });
  return lines.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--suite' && argv[i + 1] !== undefined) only.push(argv[++i]);
    else if (a !== '--json' && a !== '--check') {
      process.stderr.write(`bench: unknown argument '${a}' (see --help)\n`);
      return 2;
    }
  }
  const unknown = only.filter((n) => ![...SUITES, ...ON_REQUEST].some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown suite '${unknown[0]}'\n`);
    return 2;
  }
  const ctx: BenchContext = { json: argv.includes('--json'), check: argv.includes('--check'), log: (m) => process.stderr.write(`${m}\n`) };
  const results: { suite: string; row: Row }[] = [];
  for (const suite of only.length === 0 ? SUITES : [...SUITES, ...ON_REQUEST].filter((s) => only.includes(s.name))) {
    ctx.log(`bench: running ${suite.name}…`);
    for (const row of await suite.run(ctx)) results.push({ suite: suite.name, row });
  }
  process.stdout.write(
    ctx.json
      ? JSON.stringify(
          results.map(({ suite, row }) => ({ suite, ...row, over: overBudget(row) })),
          null,
          1,
        ) + '\n'
      : table(results),
  );
  const over = results.filter(({ row }) => overBudget(row));
  if (ctx.check && over.length > 0) {
    process.stderr.write(`bench: over budget: ${over.map(({ suite, row }) => `${suite}: ${row.name}`).join('; ')}\n`);
    return 1;
  }
  return 0;
}

// The holder pass's worker (helper-native/src/scan/holderThread.ts) is the product's bundle, as in `pidns`
// and the helper, not this one: a worker loads its whole file, and this one also carries playwright's client.
if (require.main === module) {
  enableHolderThread({ file: PRODUCT_BUNDLE });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
