// Reading a trace in slices (helper-native/src/record/traceFile.ts, what the trace editor opens files with):
// the same Trace and the same refusals as the one-piece reader, and the event loop runs between slices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseTraceBytes, parseTraceBytesInSlices } from '../../helper-native/src/record/traceFile';
import { TraceError } from '../../shared/core/trace';

const text = readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'trace-v1.jsonl'), 'utf8');
const lines = text.split('\n').slice(0, -1);

async function refusals(data: Buffer): Promise<[string, string]> {
  let sync = '';
  try {
    parseTraceBytes(data);
    sync = 'accepted';
  } catch (err) {
    assert.ok(err instanceof TraceError, String(err));
    sync = err.message;
  }
  const sliced = await parseTraceBytesInSlices(data).then(
    () => 'accepted',
    (err: unknown) => (err instanceof TraceError ? err.message : `not a TraceError: ${String(err)}`),
  );
  return [sliced, sync];
}

test('in slices: the same Trace as in one piece, plain and gzip', async () => {
  const plain = Buffer.from(text);
  const want = parseTraceBytes(plain);
  assert.deepEqual(await parseTraceBytesInSlices(plain, 0), want);
  assert.deepEqual(await parseTraceBytesInSlices(gzipSync(plain)), want);
  // Non-ASCII text (a comm in UTF-8) decodes the same line by line.
  const utf8 = Buffer.from(text.replace(/"comm":"sleep"/g, '"comm":"schläfer✓"'));
  assert.deepEqual(await parseTraceBytesInSlices(utf8, 0), parseTraceBytes(utf8));
});

test('in slices: the same refusals, naming the same line', async () => {
  const cut = Buffer.from(text.slice(0, text.length - 40));
  const gz = gzipSync(Buffer.from(text));
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['cut plain', cut],
    ['cut gzip', gz.subarray(0, gz.length - 30)],
    ['corrupted gzip', Buffer.concat([gz.subarray(0, 10), Buffer.alloc(40, 7)])],
    ['bad JSON on line 3', Buffer.from([...lines.slice(0, 2), '{"t":', ...lines.slice(3)].join('\n') + '\n')],
    ['version 99', Buffer.from([lines[0].replace('"version":1', '"version":99'), ...lines.slice(1)].join('\n') + '\n')],
    ['empty line', Buffer.from([...lines.slice(0, 2), '', ...lines.slice(2)].join('\n') + '\n')],
    ['header only', Buffer.from(lines[0] + '\n')],
    // Two faults: the cut is named, as the one-piece reader (which checks the end first) names it.
    ['bad JSON on line 3 and cut', Buffer.from([...lines.slice(0, 2), '{"t":', ...lines.slice(3)].join('\n').slice(0, -20))],
    [
      'bad JSON on line 3, gzip cut',
      gzipSync(Buffer.from([...lines.slice(0, 2), '{"t":', ...lines.slice(3)].join('\n') + '\n')).subarray(0, 200),
    ],
    ['gzip of nothing', gzipSync(Buffer.alloc(0))],
  ];
  for (const [name, data] of cases) {
    const [sliced, sync] = await refusals(data);
    assert.notEqual(sync, 'accepted', name);
    assert.equal(sliced, sync, name);
  }
});

test('in slices: the event loop runs between slices', async () => {
  // A long trace: the fixture's records again and again, each later than the last.
  const body = lines.slice(1);
  const out = [lines[0]];
  for (let r = 0; r < 200; r++)
    for (const l of body) if (!l.includes('"end"')) out.push(l.replace(/^\{"t":(\d+)/, (_, t: string) => `{"t":${Number(t) + r * 10_000}`));
  const data = Buffer.from(out.join('\n') + '\n');
  let turns = 0;
  const tick = setInterval(() => turns++, 0);
  const trace = await parseTraceBytesInSlices(data, 1);
  clearInterval(tick);
  assert.equal(trace.entries.length, out.length - 1);
  assert.ok(turns >= 5, `the event loop ran ${turns} times while reading ${out.length} lines`);
  assert.deepEqual(trace, parseTraceBytes(data));
  // Gzip: inflated a megabyte at a time, lines run across the pieces.
  const gz = gzipSync(data);
  turns = 0;
  const tick2 = setInterval(() => turns++, 0);
  const fromGzip = await parseTraceBytesInSlices(gz, 1);
  clearInterval(tick2);
  assert.ok(data.length > 3 << 20, `${data.length} bytes: several pieces`);
  assert.ok(turns >= 5, `the event loop ran ${turns} times while reading the gzip`);
  assert.deepEqual(fromGzip, trace);
});
