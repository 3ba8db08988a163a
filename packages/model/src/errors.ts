/**
 * One error class for the whole project. `code` is stable and maps onto the `errorType` of
 * Prometheus's HTTP API; the message says what failed, where, and why.
 */
export type ErrorCode =
  | 'bad_data'
  | 'execution'
  | 'timeout'
  | 'canceled'
  | 'internal'
  | 'unavailable'
  | 'not_found'
  | 'not_acceptable'
  | 'corruption';

export class VigilError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VigilError';
    this.code = code;
  }
}

export function isVigilError(e: unknown, code?: ErrorCode): e is VigilError {
  return e instanceof VigilError && (code === undefined || e.code === code);
}

/** The message of any thrown value, for logs and API errors. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
