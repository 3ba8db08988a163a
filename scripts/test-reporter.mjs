// Test reporter for `npm test`: one line per test file, the full error of every failure, and a last line
// `N passed, N failed, N skipped` that CI reads. Only leaf tests are counted; a suite counts through its tests.
import { writeFileSync, mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import { inspect } from 'node:util';

const root = process.cwd();
const rel = (f) => (f ? relative(root, f) : '?');

export default async function* reporter(source) {
  let passed = 0, failed = 0, skipped = 0;
  const children = new Map(); // `${file}\0${nesting}` -> completed children not yet claimed by a parent
  const perFile = new Map(); // file -> {passed, failed, skipped, ms}
  const failures = [];
  const stderrByFile = new Map();
  for await (const event of source) {
    const { type, data } = event;
    if (type === 'test:stdout' && data.message) {
      // What a test prints on purpose (skip lists, measured figures, where screenshots went).
      yield data.message.replace(/^(?=.)/gm, `  [${rel(data.file).split('/').pop()}] `);
    }
    if (type === 'test:diagnostic' && data.file && data.nesting > 0) {
      yield `  [${rel(data.file).split('/').pop()}] ${data.message}\n`;
    }
    if (type === 'test:stderr' || type === 'test:stdout') {
      const f = data.file ?? '?';
      const buf = (stderrByFile.get(f) ?? '') + (data.message ?? '');
      stderrByFile.set(f, buf.length > 20000 ? buf.slice(-20000) : buf);
      continue;
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    const file = data.file ?? '?';
    const key = `${file}\0${data.nesting + 1}`;
    const hadChildren = (children.get(key) ?? 0) > 0;
    children.set(key, 0);
    const parentKey = `${file}\0${data.nesting}`;
    children.set(parentKey, (children.get(parentKey) ?? 0) + 1);
    const stats = perFile.get(file) ?? { passed: 0, failed: 0, skipped: 0, ms: 0 };
    perFile.set(file, stats);
    if (data.nesting === 0) stats.ms += data.details?.duration_ms ?? 0;
    const error = data.details?.error;
    const ownFailure = type === 'test:fail' && error?.failureType !== 'subtestsFailed';
    if (hadChildren && !ownFailure) continue;
    if (data.details?.type === 'suite' && !ownFailure) continue;
    if ((data.skip !== undefined && data.skip !== false) || (data.todo !== undefined && data.todo !== false)) {
      skipped++; stats.skipped++;
    } else if (type === 'test:pass') {
      passed++; stats.passed++;
    } else {
      failed++; stats.failed++;
      const cause = error?.cause ?? error;
      failures.push({ file, name: data.name, text: inspect(cause, { depth: 4 }) });
      yield `\n✖ ${rel(file)} › ${data.name}\n${indent(inspect(cause, { depth: 4 }))}\n`;
      const errOut = stderrByFile.get(file);
      if (data.name === file && errOut) yield indent(errOut.slice(-4000)) + '\n';
    }
  }
  for (const [file, s] of perFile) {
    const mark = s.failed > 0 ? '✖' : '✔';
    yield `${mark} ${rel(file)}: ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''} (${(s.ms / 1000).toFixed(1)}s)\n`;
  }
  if (failures.length > 0) {
    // Repeated at the end with the error's first lines, because CI logs are often cut to their tail.
    const brief = (t) => indent(t.split('\n').filter((l) => !/^\s+at /.test(l)).slice(0, 12).join('\n'));
    yield `\nFailed tests:\n${failures.map((f) => `  ${rel(f.file)} › ${f.name}\n${brief(f.text)}`).join('\n')}\n`;
  }
  const summary = `${passed} passed, ${failed} failed, ${skipped} skipped`;
  try {
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/summary.txt', summary + '\n');
  } catch {}
  yield `\n${summary}\n`;
}

function indent(s) {
  return String(s).split('\n').map((l) => '    ' + l).join('\n');
}
