// An error that carries a protocol error code, so that the helper can answer a request with the right
// `code` and the CLI can print the message as is. Anything else thrown is reported as 'failed'.
import type { ErrorCode } from '../../shared/helperProtocol';

export class HelperError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HelperError';
  }
}
