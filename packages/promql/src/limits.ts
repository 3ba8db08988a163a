/**
 * Query limits: a deadline (`--query.timeout`), a cap on samples held in memory (`--query.max-samples`)
 * and cancellation (an AbortSignal, e.g. when the HTTP client goes away). Errors carry Prometheus's texts.
 */
import { VigilError } from '@vigil/model';

/** Where the evaluation was when a limit hit (Prometheus's "env" string). */
export const ENV_QUERY_EXECUTION = 'query execution';
export const ENV_EXPRESSION_EVALUATION = 'expression evaluation';

export function queryTimeoutError(env: string): VigilError {
  return new VigilError('timeout', `query timed out in ${env}`);
}

export function queryCanceledError(env: string): VigilError {
  return new VigilError('canceled', `query was canceled in ${env}`);
}

export function tooManySamplesError(env = ENV_QUERY_EXECUTION): VigilError {
  return new VigilError('execution', `query processing would load too many samples into memory in ${env}`);
}

const YIELD_EVERY_MS = 10;

/** Per-query limits state, checked by the evaluator between series and steps. */
export class QueryLimits {
  /** Samples currently held (Prometheus's `currentSamples`). */
  current = 0;
  /** Highest `current` seen. */
  peak = 0;
  private readonly deadline: number;
  private checks = 0;
  private nextYield: number;

  constructor(
    readonly maxSamples: number,
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
    private readonly clock: () => number,
  ) {
    this.deadline = timeoutMs > 0 && Number.isFinite(timeoutMs) ? clock() + timeoutMs : Infinity;
    this.nextYield = clock() + YIELD_EVERY_MS;
  }

  /** Throws when the query was canceled or ran out of time. */
  check(env = ENV_EXPRESSION_EVALUATION): void {
    if (this.signal?.aborted) throw queryCanceledError(env);
    if (this.deadline !== Infinity && this.clock() > this.deadline) throw queryTimeoutError(env);
  }

  /** A cheaper `check` for inner loops: looks at the clock every 64th call. */
  tick(): void {
    if ((++this.checks & 63) === 0) this.check();
  }

  /**
   * True when evaluation should give the event loop a turn (every ~10 ms), so that an abort (the client
   * went away) can arrive and other requests are served. Cheap: looks at the clock every 16th call.
   */
  due(): boolean {
    if ((++this.checks & 15) !== 0) return false;
    return this.clock() >= this.nextYield;
  }

  /** Yields to the event loop if due, then checks cancellation and the deadline. */
  async pause(): Promise<void> {
    if (this.clock() >= this.nextYield) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.nextYield = this.clock() + YIELD_EVERY_MS;
    }
    this.check();
  }

  /** Accounts for `n` more samples in memory; throws when over the limit. */
  add(n: number): void {
    this.current += n;
    if (this.current > this.peak) this.peak = this.current;
    if (this.current > this.maxSamples) throw tooManySamplesError();
  }

  /** Releases `n` samples. */
  release(n: number): void {
    this.current -= n;
  }
}
