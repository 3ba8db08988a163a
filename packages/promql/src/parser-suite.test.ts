/**
 * Every query of the PromQL conformance scripts (../shared/conformance/promql/*.test and v2.42.0/*.test)
 * parses, and printing it gives a query that parses to the same AST.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conformanceDir } from '@vigil/testkit';
import type { Expr } from './ast.js';
import { parseExpr } from './parser.js';
import { printExpr, printDurationExpr } from './printer.js';

interface EvalQuery {
  file: string;
  line: number;
  query: string;
  /** `eval_fail` or an `expect fail` line: the query may fail at parse or evaluation. */
  mayFail: boolean;
}

/** The query of each `eval` header, taken verbatim after the header fields (see FORMAT.md §4). */
function evalQueries(dir: string, label: string): EvalQuery[] {
  const out: EvalQuery[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.test')).sort()) {
    const lines = readFileSync(join(dir, name), 'utf8').split('\n').map((l) => l.trim());
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (!line.startsWith('eval')) continue;
      const words = line.split(/\s+/);
      const fields = words[1] === 'instant' ? 4 : 8; // eval instant at T | eval range from S to E step D
      let rest = line;
      for (let f = 0; f < fields; f++) rest = rest.slice(rest.indexOf(words[f]) + words[f].length);
      let mayFail = words[0] === 'eval_fail';
      for (let j = i + 1; j < lines.length && lines[j] !== '' && !lines[j].startsWith('#'); j++) {
        if (/^expect\s+fail\b/.test(lines[j])) mayFail = true;
      }
      out.push({ file: `${label}${name}`, line: i + 1, query: rest.trim(), mayFail });
    }
  }
  return out;
}

/** The AST without positions, with matchers and functions as plain values, for comparison. */
function shape(e: unknown): unknown {
  if (Array.isArray(e)) return e.map(shape);
  if (e === null || typeof e !== 'object') return e;
  const o = e as Record<string, unknown>;
  if (typeof o.matches === 'function') return `${o.name}${o.type}${JSON.stringify(o.value)}`;
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'pos') continue;
    if (k === 'func') r[k] = (v as { name: string }).name;
    // The printer sorts matchers, as Prometheus's does; their order carries no meaning.
    else if (k === 'matchers') r[k] = (shape(v) as string[]).sort();
    else r[k] = shape(v);
  }
  return r;
}

const suites = [
  { label: '', queries: evalQueries(conformanceDir('promql'), '') },
  { label: 'v2.42.0/', queries: evalQueries(conformanceDir('promql', 'v2.42.0'), 'v2.42.0/') },
];

for (const { label, queries } of suites) {
  test(`conformance queries ${label || 'main'}: all parse and print back to the same AST`, () => {
    assert.ok(queries.length > 300, `only ${queries.length} eval lines found`);
    const failures: string[] = [];
    let parsed = 0;
    let failedAsAllowed = 0;
    for (const q of queries) {
      let ast: Expr;
      try {
        ast = parseExpr(q.query);
      } catch (e) {
        // `expect fail` evals may fail at parse or evaluation time.
        if (q.mayFail) failedAsAllowed++;
        else failures.push(`${q.file}:${q.line}: ${q.query}\n  ${(e as Error).message}`);
        continue;
      }
      parsed++;
      const printed = printExpr(ast);
      let again: Expr;
      try {
        again = parseExpr(printed);
      } catch (e) {
        failures.push(`${q.file}:${q.line}: ${q.query}\n  printed as ${printed}\n  which does not parse: ${(e as Error).message}`);
        continue;
      }
      try {
        assert.deepEqual(shape(again), shape(ast));
      } catch {
        failures.push(`${q.file}:${q.line}: ${q.query}\n  printed as ${printed}, which parses to a different AST`);
      }
    }
    assert.deepEqual(failures, []);
    // Reported in the test output so the count is visible.
    const mayFail = queries.filter((q) => q.mayFail).length;
    console.log(`${label || 'main'}: ${queries.length} eval queries (${mayFail} expect fail), ${parsed} parsed and round-tripped, ${failedAsAllowed} expect-fail queries rejected by the parser`);
  });
}

test('duration expressions print as written', () => {
  const e = parseExpr('foo[29s+1s:((((8 - 2) / 3) * 7s) % 4) + 8000ms]');
  assert.ok(e.kind === 'SubqueryExpr' && e.stepExpr !== null);
  assert.equal(printDurationExpr(e.stepExpr), '((((8 - 2) / 3) * 7s) % 4) + 8s');
  assert.equal(e.step, 10000);
});
