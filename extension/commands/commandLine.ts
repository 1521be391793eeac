// Splits the "optional command" a user types into argv. The helper runs it without a shell (no injection,
// no surprises from the root helper's environment), so quoting is the only syntax we honour: '…' literal,
// "…" with \" and \\ escapes, a backslash outside quotes escapes the next character.
import { readFileSync } from 'node:fs';
import { MAX_PID_NS_LEVEL } from '../../shared/helperProtocol';

export function splitCommandLine(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) current += text[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (inWord) args.push(current);
  return args;
}

/** Validation message for the depth input box, or undefined when valid. */
export function validateDepth(text: string, room: number): string | undefined {
  if (!/^\s*\d+\s*$/.test(text)) return `Enter a whole number from 1 to ${room}.`;
  const n = Number(text);
  if (n < 1) return 'At least one level.';
  if (n > room) {
    const above = MAX_PID_NS_LEVEL - room;
    return `At most ${room}: the kernel allows ${MAX_PID_NS_LEVEL} nested PID namespaces${above > 0 ? ` and ${above} are already above this one` : ''}.`;
  }
  return undefined;
}

/**
 * Levels left below our own namespace. NSpid lists one PID per level our procfs can see, so inside a
 * container with its own /proc this under-counts the levels above; the helper's 'limit' error covers that.
 */
export function roomBelowSelf(statusText?: string): number {
  const text = statusText ?? readFileSync('/proc/self/status', 'utf8');
  const line = /^NSpid:\s*(.*)$/m.exec(text);
  const levelsAbove = line ? line[1].trim().split(/\s+/).length - 1 : 0;
  return Math.max(0, MAX_PID_NS_LEVEL - levelsAbove);
}
