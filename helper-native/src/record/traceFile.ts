// Trace files on disk: a sink that appends whole lines (optionally through gzip) and a reader that
// detects gzip by its magic bytes, so `replay` takes either kind whatever the file is called.
import { createWriteStream, openSync, readFileSync, type WriteStream } from 'node:fs';
import { constants, createGunzip, createGzip, gunzipSync, type Gzip } from 'node:zlib';
import { parseTrace, TraceError, TraceReader, type Trace } from '../../../shared/core/trace';

export interface TraceSink {
  write(text: string): void;
  /** Flushes and closes; resolves to the bytes that reached the file (after compression). */
  close(): Promise<number>;
  /** Set when writing failed (disk full, closed pipe): the recording should stop. */
  onError(handler: (err: Error) => void): void;
}

/**
 * `path` '-' is stdout. A file must not exist yet (never overwrite a trace by accident). The open is
 * synchronous so that a bad path fails before recording starts.
 */
export function openTraceSink(path: string, gzip: boolean): TraceSink {
  let out: NodeJS.WritableStream;
  let file: WriteStream | null = null;
  if (path === '-') out = process.stdout;
  else {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(
        e.code === 'EEXIST'
          ? `record: ${path} exists already: remove it or choose another -o`
          : `record: cannot create ${path}: ${e.message}`,
      );
    }
    file = createWriteStream('', { fd });
    out = file;
  }
  const zip: Gzip | null = gzip ? createGzip() : null;
  if (zip !== null) zip.pipe(out, { end: path !== '-' });
  const head: NodeJS.WritableStream = zip ?? out;
  let bytes = 0;
  if (path === '-' && zip !== null) zip.on('data', (chunk: Buffer) => (bytes += chunk.length));
  return {
    write(text: string): void {
      if (path === '-' && zip === null) bytes += Buffer.byteLength(text);
      head.write(text);
      // A sync flush per write (once per scan): the lines so far reach the file as decodable gzip, so a
      // recorder killed outright leaves everything but its last moments (zcat still reads them); the
      // dictionary is kept, so compression hardly suffers.
      zip?.flush(constants.Z_SYNC_FLUSH);
    },
    close(): Promise<number> {
      return new Promise((resolve, reject) => {
        if (file !== null) {
          const f = file;
          f.once('close', () => resolve(f.bytesWritten));
          f.once('error', reject);
          if (zip !== null) zip.end();
          else f.end();
        } else if (zip !== null) {
          zip.once('end', () => resolve(bytes));
          zip.end();
        } else resolve(bytes);
      });
    },
    onError(handler: (err: Error) => void): void {
      zip?.on('error', handler);
      if (file !== null) file.on('error', handler);
      else out.on('error', handler);
    },
  };
}

/** `pidns-<UTC time>.trace.jsonl[.gz]`: the name `pidns record` and "Start Recording" propose. */
export function defaultTraceName(gzip: boolean, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `pidns-${stamp}.trace.jsonl${gzip ? '.gz' : ''}`;
}

/** Reads and validates a trace, plain or gzip. Throws TraceError (the file is not a good trace) or Error (cannot read it). */
export function readTraceFile(path: string): Trace {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseTraceBytes(data);
}

/** A trace's bytes (plain or gzip, told by the magic bytes) parsed and validated. Throws TraceError. */
export function parseTraceBytes(data: Buffer): Trace {
  if (isGzip(data)) {
    try {
      data = gunzipSync(data);
    } catch (err) {
      throw gzipError(err);
    }
  }
  let text: string;
  try {
    text = data.toString('utf8');
  } catch (err) {
    // Past V8's longest string (about 512 MB of text).
    throw new TraceError(0, `too large to read as one text (${data.length} bytes): ${(err as Error).message}`);
  }
  return parseTrace(text);
}

function isGzip(data: Buffer): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

function gzipError(err: unknown): TraceError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'Z_BUF_ERROR')
    return new TraceError(0, 'truncated: the gzip stream ends early (the file was cut while being written or copied)');
  return new TraceError(0, `corrupted gzip data (${e.message})`);
}

/**
 * parseTraceBytes without holding the thread for long (the trace editor runs on the extension host's one
 * thread, shared with every extension: an hour's trace is seconds of parsing). Gzip is inflated as a
 * stream on libuv's pool, a megabyte at a time, and never joined into one buffer (joining 280 MB alone
 * held the thread for a third of a second); lines are decoded and read one by one, yielding to the event
 * loop every `sliceMs`. The same Trace and the same refusals as parseTraceBytes: a cut or corrupted gzip
 * stream, then a last line without its end, win over a bad line before them ('\n' is never part of a
 * multi-byte UTF-8 sequence, so decoding line by line gives the same text).
 */
export async function parseTraceBytesInSlices(data: Buffer, sliceMs = 10): Promise<Trace> {
  if (data.length === 0) throw new TraceError(0, 'empty file: not a pidns trace');
  const reader = new TraceReader();
  let failure: TraceError | null = null;
  let newlines = 0;
  let partial: Buffer[] = [];
  let sliceEnd = performance.now() + sliceMs;
  const take = async (chunk: Buffer): Promise<void> => {
    let pos = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, pos)) {
      newlines++;
      if (failure === null) {
        const bytes = partial.length === 0 ? chunk.subarray(pos, nl) : Buffer.concat([...partial, chunk.subarray(pos, nl)]);
        try {
          reader.line(bytes.toString('utf8'));
        } catch (err) {
          if (!(err instanceof TraceError)) throw err;
          failure = err;
        }
      }
      partial = [];
      pos = nl + 1;
      if (performance.now() >= sliceEnd) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceEnd = performance.now() + sliceMs;
      }
    }
    if (pos < chunk.length) partial.push(chunk.subarray(pos));
  };
  if (isGzip(data)) {
    const inflate = createGunzip({ chunkSize: 1 << 20 });
    inflate.end(data);
    try {
      for await (const chunk of inflate) await take(chunk as Buffer);
    } catch (err) {
      // zlib's own errors (Z_BUF_ERROR: cut, Z_DATA_ERROR: corrupted) say what is wrong with the file.
      if (!String((err as NodeJS.ErrnoException).code).startsWith('Z_')) throw err;
      throw gzipError(err);
    }
  } else await take(data);
  if (partial.length > 0)
    throw new TraceError(newlines + 1, 'truncated: the last line has no end (the file was cut while being written or copied)');
  if (failure !== null) throw failure;
  return reader.finish();
}
