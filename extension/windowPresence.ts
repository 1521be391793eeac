// Is the window still there? In code-server and over Remote-SSH the extension host outlives a window that left
// without a goodbye (the browser closed or killed, the network or the laptop gone; a tab closed or reloaded ends
// it at once): 3 hours, or 5 minutes once another window connects (VS Code's reconnection grace), and VS Code
// tells extensions nothing. The views it had open still count as visible, so the helper kept streaming for
// nobody: six browsers closed one after another here left six helpers, each taking the others' extension hosts'
// forks as events (8 ms/s each on a quiet VM, measured). So the window is asked a question that only it answers
// (a `setContext` round trip) every few seconds; while one stays unanswered too long, the window counts as away,
// and the live stream pauses until the answer comes. A window that is only busy answers late and resumes at
// once: it could not have drawn the updates meanwhile anyway. Pure (no vscode: the question is passed in), unit
// tested with mocked timers.

export interface PresenceOptions {
  /** Ask the window; settles when the window answers (or refuses: an answer too). */
  ask: () => PromiseLike<unknown>;
  /** Called when the window goes away (false) or answers again (true). */
  onChange: (present: boolean) => void;
  /** Time between an answer and the next question (ms). */
  intervalMs: number;
  /** A question unanswered this long means the window is away (ms). */
  awayAfterMs: number;
}

export const PRESENCE_INTERVAL_MS = 5_000;
export const PRESENCE_AWAY_AFTER_MS = 10_000;

export class WindowPresence {
  private present = true;
  /** The question being asked, if any: one at a time, so a window that is gone does not collect them. */
  private asking = false;
  private nextTimer: NodeJS.Timeout | undefined;
  private awayTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly options: PresenceOptions) {
    this.ask();
  }

  /** The window answered its last question in time (true until one goes unanswered awayAfterMs). */
  get isPresent(): boolean {
    return this.present;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.nextTimer);
    clearTimeout(this.awayTimer);
  }

  private ask(): void {
    if (this.disposed || this.asking) return;
    this.asking = true;
    this.awayTimer = setTimeout(() => this.set(false), this.options.awayAfterMs);
    const answered = (): void => {
      this.asking = false;
      clearTimeout(this.awayTimer);
      this.set(true);
      if (!this.disposed) this.nextTimer = setTimeout(() => this.ask(), this.options.intervalMs);
    };
    let question: PromiseLike<unknown>;
    try {
      question = this.options.ask();
    } catch {
      question = Promise.resolve();
    }
    Promise.resolve(question).then(answered, answered);
  }

  private set(present: boolean): void {
    if (this.disposed || present === this.present) return;
    this.present = present;
    this.options.onChange(present);
  }
}
