/**
 * Which evals of the conformance scripts the engine does not run yet, and why: the experimental
 * start-timestamp features of Prometheus 3.x. Everything else runs.
 */
import { type Expr, inspect } from './ast.js';
import type { SkipContext } from './testscript-run.js';

/** Why an eval of the main suite is skipped, or null. */
export function skipReason(ctx: SkipContext): string | null {
  const expr = ctx.expr;
  let reason: string | null = null;
  if (expr !== null) {
    inspect(expr, (node: Expr) => {
      if (reason !== null) return false;
      if (node.kind === 'Call' && node.func.name === 'start_timestamp') reason = 'start timestamps (experimental in Prometheus 3.x)';
      return undefined;
    });
  }
  if (reason === null && ctx.startTimestampsLoaded) reason = 'start timestamps (experimental in Prometheus 3.x): the data carries @st lines';
  return reason;
}
