// The timeline under the graph when it replays a trace (the trace editor): play/pause, speed, previous/next
// change, a slider over the whole trace and the list of events, each a button that moves the replay to its
// moment. The host owns the clock (extension/trace/tracePlayer.ts): every control is a request, and what
// is drawn follows the host's `replayAt` answers, so the graph and the timeline never disagree.
import { countAtOrBefore } from '../shared/core/timeOrder';
import type { ReplayAtMessage, ReplayControlMessage, ReplayEvent, ReplayMessage, WebviewToHost } from '../shared/webviewProtocol';

const SPEEDS = [0.5, 1, 2, 5, 10, 60];

const KIND_LABEL: Record<ReplayEvent['kind'], string> = {
  started: 'started',
  exec: 'exec',
  exited: 'exited',
  nsCreated: 'namespace',
  nsGone: 'namespace gone',
};

/** 12.5 s, or 1:02:03 past a minute. */
export function formatOffset(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...kids: Node[]
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

export class ReplayTimeline {
  private readonly root: HTMLElement;
  private readonly play: HTMLButtonElement;
  private readonly speed: HTMLSelectElement;
  private readonly slider: HTMLInputElement;
  private readonly time: HTMLElement;
  private readonly source: HTMLElement;
  private readonly list: HTMLOListElement;
  private info: ReplayMessage | undefined;
  private buttons: HTMLButtonElement[] = [];
  private current: HTMLButtonElement[] = [];
  private playing = false;
  private dragging = false;
  private pendingSeek: number | undefined;

  constructor(
    parent: HTMLElement,
    private readonly post: (m: WebviewToHost) => void,
  ) {
    document.body.classList.add('replay');
    const control = (action: 'previous' | 'next'): void => this.send({ type: 'replayControl', action });
    const prev = el('button', { id: 'replay-prev', type: 'button', textContent: '◀ Previous', title: 'Previous change' });
    prev.setAttribute('aria-label', 'Previous change');
    prev.addEventListener('click', () => control('previous'));
    this.play = el('button', { id: 'replay-play', type: 'button', textContent: 'Play' });
    this.play.addEventListener('click', () => this.send({ type: 'replayControl', action: this.playing ? 'pause' : 'play' }));
    const next = el('button', { id: 'replay-next', type: 'button', textContent: 'Next ▶', title: 'Next change' });
    next.setAttribute('aria-label', 'Next change');
    next.addEventListener('click', () => control('next'));
    this.speed = el('select', { id: 'replay-speed', title: 'Speed' });
    this.speed.setAttribute('aria-label', 'Speed');
    for (const s of SPEEDS) this.speed.append(el('option', { value: String(s), textContent: `${s}×` }));
    this.speed.addEventListener('change', () => this.send({ type: 'replayControl', action: 'speed', speed: Number(this.speed.value) }));
    this.slider = el('input', { id: 'replay-slider', type: 'range', min: '0', max: '0', step: '1', value: '0' });
    this.slider.setAttribute('aria-label', 'Moment of the trace');
    // Dragging: seek at most once a frame, and let no answer move the thumb under the pointer.
    this.slider.addEventListener('pointerdown', () => (this.dragging = true));
    window.addEventListener('pointerup', () => (this.dragging = false));
    this.slider.addEventListener('input', () => this.seekSoon(Number(this.slider.value)));
    this.time = el('span', { id: 'replay-time' });
    this.time.setAttribute('aria-live', 'off');
    this.source = el('span', { className: 'replay-source' });
    this.list = el('ol', { id: 'replay-events' });
    this.list.setAttribute('aria-label', 'Events: select one to see the graph at that moment');
    this.list.addEventListener('click', (ev) => {
      const b = (ev.target as Element).closest<HTMLButtonElement>('button[data-t]');
      if (b) this.send({ type: 'replayControl', action: 'seek', t: Number(b.dataset.t) });
    });
    this.root = el(
      'div',
      { id: 'replay' },
      el('div', { className: 'replay-controls' }, prev, this.play, next, this.speed, this.slider, this.time),
      this.source,
      this.list,
    );
    this.root.setAttribute('role', 'region');
    this.root.setAttribute('aria-label', 'Trace timeline');
    parent.append(this.root);
  }

  load(info: ReplayMessage): void {
    this.info = info;
    this.slider.max = String(info.endT);
    const omitted = info.eventsOmitted > 0 ? ` · ${info.eventsOmitted} process events not listed` : '';
    this.source.textContent = `Trace from ${info.startedAt}, ${formatOffset(info.endT)}, ${info.changes.length} changes, ${info.source}${omitted}`;
    this.buttons = info.events.map((e) => {
      const b = el(
        'button',
        { type: 'button', className: `ev ev-${e.kind}` },
        el('span', { className: 't', textContent: formatOffset(e.t) }),
        el('span', { className: 'k', textContent: KIND_LABEL[e.kind] }),
        el('span', { className: 'x', textContent: e.text }),
      );
      b.dataset.t = String(e.t);
      return b;
    });
    this.list.replaceChildren(...this.buttons.map((b) => el('li', {}, b)));
    this.current = [];
  }

  setPosition(m: ReplayAtMessage): void {
    this.playing = m.playing;
    this.play.textContent = m.playing ? 'Pause' : 'Play';
    this.play.title = m.playing ? 'Pause' : 'Play';
    this.play.setAttribute('aria-label', this.play.title);
    this.play.setAttribute('aria-pressed', String(m.playing));
    this.speed.value = String(m.speed);
    if (!this.dragging) this.slider.value = String(m.t);
    this.root.dataset.t = String(m.t);
    this.root.dataset.playing = String(m.playing);
    const info = this.info;
    if (!info) return;
    const wall = new Date(Date.parse(info.startedAt) + m.t).toISOString().slice(11, 23);
    this.time.textContent = `${formatOffset(m.t)} / ${formatOffset(info.endT)} · ${wall} UTC`;
    this.markCurrent(m.t);
  }

  /** The events at the latest event time at or before t are the current ones. */
  private markCurrent(t: number): void {
    const events = this.info?.events ?? [];
    const lo = countAtOrBefore(events, t);
    const now: HTMLButtonElement[] = [];
    if (lo > 0) for (let i = lo - 1; i >= 0 && events[i].t === events[lo - 1].t; i--) now.push(this.buttons[i]);
    for (const b of this.current) b.removeAttribute('aria-current');
    for (const b of now) b.setAttribute('aria-current', 'true');
    if (now.length > 0 && now[0] !== this.current[0]) now[now.length - 1].scrollIntoView({ block: 'nearest' });
    this.current = now;
  }

  private seekSoon(t: number): void {
    const first = this.pendingSeek === undefined;
    this.pendingSeek = t;
    if (!first) return;
    requestAnimationFrame(() => {
      const target = this.pendingSeek;
      this.pendingSeek = undefined;
      if (target !== undefined) this.send({ type: 'replayControl', action: 'seek', t: target });
    });
  }

  private send(m: ReplayControlMessage): void {
    this.post(m);
  }
}
