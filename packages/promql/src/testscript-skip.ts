/**
 * Which evals of the conformance scripts the engine does not run yet, and why: native histograms (not
 * stored by Vigil yet) and experimental Prometheus 3.x features it does not implement. Everything else runs.
 */
import { type Expr, inspect } from './ast.js';
import type { SkipContext } from './testscript-run.js';

const NATIVE_HISTOGRAM_FUNCTIONS = new Set(['histogram_count', 'histogram_sum', 'histogram_avg', 'histogram_stddev', 'histogram_stdvar']);

/** Why an eval of the main suite is skipped, or null. */
export function skipReason(ctx: SkipContext): string | null {
  if (ctx.cmd.expectsHistogram) return 'native histograms: the expected result holds histogram samples';
  const expr = ctx.expr;
  if (expr === null) return null;
  let reason: string | null = null;
  inspect(expr, (node: Expr) => {
    if (reason !== null) return false;
    if (node.kind === 'VectorSelector') {
      for (const h of ctx.histogramSeries) {
        if (node.matchers.every((m) => m.matches(h.get(m.name)))) {
          reason = `native histograms: the query selects histogram series ${h.metricName() || h.toString()}`;
          return false;
        }
      }
    }
    if (node.kind === 'Call') {
      const name = node.func.name;
      if (NATIVE_HISTOGRAM_FUNCTIONS.has(name)) reason = `native histograms: ${name}() reads native histograms only`;
      else if (name === 'start_timestamp') reason = 'start timestamps (experimental in Prometheus 3.x)';
    }
    return undefined;
  });
  if (reason === null && ctx.startTimestampsLoaded) reason = 'start timestamps (experimental in Prometheus 3.x): the data carries @st lines';
  return reason;
}

