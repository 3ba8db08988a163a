/**
 * The OpenMetrics parser conformance suite (../shared/conformance/openmetrics/parsers), read in place:
 * every case must give the verdict its test.json states, with the parser in strict mode. No case is
 * skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { conformanceDir } from '@vigil/testkit';
import { EntryType } from './parser.js';
import { OpenMetricsParser } from './om-parser.js';

interface CaseSpec {
  type: string;
  file: string;
  shouldParse: boolean;
  comment?: string;
}

/** Parses the whole input, touching every accessor a consumer would. Returns the error, if any. */
function run(text: string): Error | undefined {
  try {
    const p = new OpenMetricsParser(text, { strict: true });
    for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
      if (e === EntryType.Series) {
        p.labels();
        p.exemplar();
      } else {
        p.familyName();
      }
    }
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

test('OpenMetrics conformance suite: every case gives the verdict of its test.json', async (t) => {
  const dir = conformanceDir('openmetrics', 'parsers');
  const cases = readdirSync(dir).filter((c) => existsSync(join(dir, c, 'test.json'))).sort();
  assert.equal(cases.length, 211, `expected the 211 cases of the suite in ${dir}`);
  let valid = 0;
  let passed = 0;
  for (const name of cases) {
    const spec = JSON.parse(readFileSync(join(dir, name, 'test.json'), 'utf8')) as CaseSpec;
    if (spec.shouldParse) valid++;
    await t.test(name, () => {
      assert.equal(spec.type, 'text', 'the suite only has text cases');
      // Raw bytes decoded as UTF-8 without trimming (the NUL byte and the missing final newline matter).
      const text = readFileSync(join(dir, name, spec.file)).toString('utf8');
      const err = run(text);
      if (spec.shouldParse) assert.equal(err, undefined, `should parse${spec.comment ? ` (${spec.comment})` : ''}, got: ${err?.message}`);
      else assert.notEqual(err, undefined, `should be rejected${spec.comment ? ` (${spec.comment})` : ''}, but parsed`);
      passed++;
    });
  }
  assert.equal(valid, 44);
  assert.equal(passed, 211, `${passed}/211 cases gave the expected verdict`);
});
