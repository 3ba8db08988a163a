// `npm test`: installs what the interop tests need (Debian packages, by scripts/install-test-deps.sh),
// builds, then runs every test file (`packages/*/dist/**/*.test.js`) with Node's test runner.
// `npm test -- <filter>...` runs only the files whose path contains one of the filters.
import { spawnSync, spawn } from 'node:child_process';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distFiles } from './dist-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const filters = process.argv.slice(2);

if (process.env.VIGIL_SKIP_INSTALL !== '1') {
  const r = spawnSync('bash', [join(root, 'scripts/install-test-deps.sh')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('test: installing the test dependencies failed; see above');
    process.exit(r.status ?? 1);
  }
}
// With filters that all name packages (`packages/<name>`), build only those (and what they reference).
const onlyPackages = filters.length > 0 && filters.every((f) => /^packages\/[^/]+\/?$/.test(f));
const b = onlyPackages
  ? spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', ...filters], { stdio: 'inherit' })
  : spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);

const files = distFiles(root, '.test.js');
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (selected.length === 0) {
  console.error(`test: no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
console.log(`test: ${selected.length} files; output of the run under ${join(root, 'test-output')}`);
const child = spawn(process.execPath, [
  '--test',
  '--test-reporter=./scripts/test-reporter.mjs',
  '--test-reporter-destination=stdout',
  `--test-concurrency=${process.env.VIGIL_TEST_CONCURRENCY ?? 2}`,
  '--test-timeout=600000',
  ...selected,
], { stdio: 'inherit', env: { ...process.env, VIGIL_TEST_OUTPUT: join(root, 'test-output') } });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
