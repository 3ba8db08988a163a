/**
 * Prometheus's own PromQL acceptance scripts, run as they are:
 * - `../shared/conformance/promql/*.test` (Prometheus main, 3.x semantics), native histograms included:
 *   every eval must pass, except evals of experimental features the engine does not implement (start
 *   timestamps), which are skipped with their reason (testscript-skip.ts). Instant evals are also checked in range mode and
 *   with every selector pinned by `@` at five other evaluation times, as the reference harness does. The
 *   scripts assume delayed `__name__` removal; they run again with the default immediate removal, where
 *   only evals that depend on the delayed removal may differ.
 * - `v2.42.0/*.test` (Debian's Prometheus 2.42): run with 3.x semantics. An eval that fails must be
 *   explained by a documented 3.x change (README.md, FORMAT.md §9.1): it then passes with 2.x window
 *   boundaries, or it is listed in KNOWN_3X_CHANGES. Explained evals are reported as skipped with the
 *   reason; any other failure fails the test.
 * One subtest per eval.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conformanceDir } from '@vigil/testkit';
import { Engine, type EngineOptions } from './engine.js';
import { printExpr } from './printer.js';
import { parseTestScript } from './testscript.js';
import { type EvalOutcome, runScript } from './testscript-run.js';
import { skipReason } from './testscript-skip.js';
import { newConformanceStorage, storageKind } from './testscript-storage-select.js';

/** Engine settings of the reference harness (FORMAT.md §6). */
const HARNESS: EngineOptions = {
  lookbackDelta: 5 * 60 * 1000,
  noStepSubqueryInterval: 60 * 1000,
  maxSamples: 10_000,
  timeout: 100_000,
};

function summarize(file: string, outcomes: EvalOutcome[]): void {
  const byReason = new Map<string, number>();
  for (const o of outcomes) {
    if (o.status !== 'skip') continue;
    const r = o.reason!.replace(/ \((expected|unexpected|point|error|range mode)\b.*$/, '').replace(/series \S.*$/, 'series');
    byReason.set(r, (byReason.get(r) ?? 0) + 1);
  }
  const count = (s: string): number => outcomes.filter((o) => o.status === s).length;
  const lines = [`${file}: ${outcomes.length} evals, ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped (storage: ${storageKind()})`];
  for (const [r, c] of byReason) lines.push(`  skipped ${c}: ${r}`);
  console.log(lines.join('\n'));
}

async function report(t: { test: (name: string, opts: { skip: string | false }, fn: () => void) => Promise<void> }, file: string, outcomes: EvalOutcome[]): Promise<void> {
  summarize(file, outcomes);
  for (const o of outcomes) {
    await t.test(`${file}:${o.line} ${o.expr}`, { skip: o.status === 'skip' ? o.reason! : false }, () => {
      if (o.status === 'fail') assert.fail(o.reason);
    });
  }
}

// ---- main suite (3.x) ----

const mainDir = conformanceDir('promql');
const mainEngine = new Engine({ ...HARNESS, delayedNameRemoval: true });

const defaultEngine = new Engine(HARNESS);

for (const file of readdirSync(mainDir).filter((f) => f.endsWith('.test')).sort()) {
  test(`promql conformance: ${file}`, async (t) => {
    const script = parseTestScript(file, readFileSync(join(mainDir, file), 'utf8'));
    const outcomes = await runScript(script, {
      engine: mainEngine,
      newStorage: newConformanceStorage,
      skip: skipReason,
      rangeModeCheck: true,
      atModifierCheck: printExpr,
    });
    await report(t, file, outcomes);
    // The same evals with the engine's default, immediate name removal (what a server runs without
    // Prometheus's feature flag): an eval may differ only where it depends on delayed removal, which
    // shows as a failure here where the delayed run passed with the same expectations.
    const immediate = await runScript(script, { engine: defaultEngine, newStorage: newConformanceStorage, skip: skipReason, rangeModeCheck: true });
    const unexplained = immediate.filter((o, i) => o.status === 'fail' && outcomes[i].status !== 'pass');
    const differing = immediate.filter((o, i) => o.status === 'fail' && outcomes[i].status === 'pass');
    await t.test(`${file}: with immediate __name__ removal (${differing.length} evals need delayed removal)`, () => {
      assert.deepEqual(unexplained.map((o) => `${o.line} ${o.expr}: ${o.reason}`), []);
    });
  });
}

// ---- v2.42.0 suite (informational: 2.x expectations, judged against documented 3.x changes) ----

/** v2.42 evals whose expected result changed in Prometheus 3.x for a reason other than window boundaries. */
export const KNOWN_3X_CHANGES: ReadonlyMap<string, string> = new Map([
  ['functions.test:137', 'rate()/increase() counter zero-point cutoff now only shortens extrapolation of up to half an interval (3.x; main suite expects 0.6)'],
  ['functions.test:298', 'UTF-8 label names are valid in 3.x: label_replace to "invalid-label-name" succeeds'],
  ['operators.test:479', 'atan2 drops the metric name like the other arithmetic operators (after 2.42; main suite expects {})'],
  ['operators.test:482', 'atan2 drops the metric name like the other arithmetic operators (after 2.42; main suite expects {})'],
]);

const v2Dir = conformanceDir('promql', 'v2.42.0');
const v2Engine = new Engine(HARNESS);
const v2WindowsEngine = new Engine({ ...HARNESS, leftClosedWindows: true });

for (const file of readdirSync(v2Dir).filter((f) => f.endsWith('.test')).sort()) {
  test(`promql conformance v2.42.0: ${file}`, async (t) => {
    const script = parseTestScript(file, readFileSync(join(v2Dir, file), 'utf8'));
    const outcomes = await runScript(script, { engine: v2Engine, newStorage: newConformanceStorage, v2: true });
    const with2xWindows = await runScript(script, { engine: v2WindowsEngine, newStorage: newConformanceStorage, v2: true });
    const judged = outcomes.map((o, i): EvalOutcome => {
      if (o.status !== 'fail') return o;
      if (with2xWindows[i].status === 'pass') {
        return { ...o, status: 'skip', reason: `differs from 2.42 only through 3.x's left-open range and lookback windows (${o.reason})` };
      }
      const known = KNOWN_3X_CHANGES.get(`${file}:${o.line}`);
      if (known !== undefined) return { ...o, status: 'skip', reason: `differs from 2.42 through a 3.x change: ${known}` };
      return o;
    });
    await report(t, `v2.42.0/${file}`, judged);
  });
}
