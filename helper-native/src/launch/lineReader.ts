// Splits a byte stream (the helper's stdout or stderr) into UTF-8 lines. Lines that arrive while nobody
// listens are queued, so the launcher can read the `hello` line and hand the same reader to the client
// without losing whatever the helper wrote in between.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export type LineListener = (line: string) => void;

export class LineReader {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly queue: string[] = [];
  private listener: LineListener | undefined;
  private ended = false;
  private readonly endListeners: Array<() => void> = [];

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => this.push(this.decoder.write(chunk)));
    stream.on('end', () => this.finish());
    stream.on('close', () => this.finish());
    // A read error (EIO after the child died) ends the stream as far as we are concerned.
    stream.on('error', () => this.finish());
  }

  /** The single consumer; queued lines are delivered to it at once. Passing undefined pauses delivery (lines queue again). */
  onLine(listener: LineListener | undefined): void {
    this.listener = listener;
    while (this.listener && this.queue.length > 0) this.listener(this.queue.shift() as string);
  }

  /** Called once when the stream has ended (immediately if it already has). */
  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.deliver(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  private deliver(line: string): void {
    if (this.listener) this.listener(line);
    else this.queue.push(line);
  }

  private finish(): void {
    if (this.ended) return;
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest.length > 0) this.deliver(rest);
    this.ended = true;
    for (const l of this.endListeners.splice(0)) l();
  }
}
