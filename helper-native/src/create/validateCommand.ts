// The leaf command's argv, checked the same way whether it came from the protocol or the CLI: it is
// exec'd directly (no shell), so only its size and shape matter.
import { HelperError } from '../helperError';

export const MAX_ARGV = 256;
export const MAX_ARG_BYTES = 4096;

export function validateCommand(argv: unknown): asserts argv is string[] {
  if (!Array.isArray(argv) || argv.length === 0 || argv.length > MAX_ARGV) {
    throw new HelperError('bad-request', `command must be a non-empty array of at most ${MAX_ARGV} strings`);
  }
  for (const a of argv) {
    if (typeof a !== 'string' || a.includes('\0') || Buffer.byteLength(a) > MAX_ARG_BYTES) {
      throw new HelperError('bad-request', `command entries must be strings without NUL bytes, at most ${MAX_ARG_BYTES} bytes each`);
    }
  }
  if (argv[0] === '') throw new HelperError('bad-request', 'command[0] must not be empty');
}
