// Splits a byte stream into lines with a hard cap per line: a line over `maxBytes` is never buffered
// whole. Its first bytes are dropped as they arrive, the rest is skipped up to the next '\n', and the
// caller is told once, so a 10 MB line costs no more memory than a 64 KiB one.

export interface LineSink {
  line(text: string): void;
  /** A line longer than maxBytes was discarded (reported once, when its end is reached or at EOF). */
  tooLong(): void;
}

export class BoundedLineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly sink: LineSink,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      this.take(chunk.subarray(start, end));
      if (nl < 0) return;
      this.finishLine();
      start = nl + 1;
    }
  }

  /** End of input: a last line without '\n' still counts. */
  end(): void {
    if (this.size > 0 || this.discarding) this.finishLine();
  }

  private take(piece: Buffer): void {
    if (this.discarding || piece.length === 0) return;
    if (this.size + piece.length > this.maxBytes) {
      this.parts = [];
      this.size = 0;
      this.discarding = true;
      return;
    }
    this.parts.push(piece);
    this.size += piece.length;
  }

  private finishLine(): void {
    if (this.discarding) {
      this.discarding = false;
      this.sink.tooLong();
      return;
    }
    const text = Buffer.concat(this.parts, this.size).toString('utf8');
    this.parts = [];
    this.size = 0;
    this.sink.line(text.endsWith('\r') ? text.slice(0, -1) : text);
  }
}
