/**
 * Checks on names, label sets and values. Every failure is a `VigilError` (`bad_data`) whose message
 * names the metric, the label or the value at fault, and is thrown before anything is recorded.
 */
import { VigilError, isValidLabelName, isValidMetricName } from '@vigil/model';

/** `[a-zA-Z_:][a-zA-Z0-9_:]*`, as prom-client's `validateMetricName`. */
export function validateMetricName(name: string): boolean {
  return typeof name === 'string' && isValidMetricName(name);
}

/** `[a-zA-Z_][a-zA-Z0-9_]*` for every name (prom-client's `validateLabelName`). */
export function validateLabelName(names: readonly string[] = []): boolean {
  for (const n of names) if (typeof n !== 'string' || !isValidLabelName(n)) return false;
  return true;
}

export function badInput(message: string): VigilError {
  return new VigilError('bad_data', message);
}

/** Label names a metric may declare: valid, not `__`-prefixed (reserved), not repeated, not `reserved`. */
export function checkLabelNames(metric: string, names: readonly string[], reserved?: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (typeof n !== 'string' || !isValidLabelName(n)) {
      throw badInput(`metric "${metric}": invalid label name ${JSON.stringify(n)}: must match [a-zA-Z_][a-zA-Z0-9_]*`);
    }
    if (n.startsWith('__')) {
      throw badInput(`metric "${metric}": label name "${n}" is reserved: names starting with "__" are for internal use`);
    }
    if (n === reserved) throw badInput(`metric "${metric}": label name "${n}" is reserved for this metric type`);
    if (seen.has(n)) throw badInput(`metric "${metric}": label name "${n}" is declared twice`);
    seen.add(n);
  }
}

/** Exemplar label sets: valid names, at most 128 characters of names and values together (OpenMetrics). */
export function checkExemplarLabels(metric: string, labels: Readonly<Record<string, unknown>>): void {
  let runes = 0;
  for (const k in labels) {
    if (!isValidLabelName(k)) throw badInput(`metric "${metric}": invalid exemplar label name ${JSON.stringify(k)}`);
    runes += [...k].length + [...String(labels[k])].length;
  }
  if (runes > 128) {
    throw badInput(`metric "${metric}": exemplar labels are ${runes} characters long, OpenMetrics allows at most 128`);
  }
}

export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? typeof v;
  } catch {
    return typeof v;
  }
}
