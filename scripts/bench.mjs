// `npm run bench [-- <suite>...]`: runs every benchmark (`packages/*/dist/**/*.bench.js`), or those whose
// suite (file name without .bench.js) or package matches an argument. Each prints lines of the form
// `suite/case: vigil=<v> <peer>=<v> ratio=<r> goal=<g> <unit>`.
import { spawnSync } from 'node:child_process';
import { join, dirname, basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distFiles } from './dist-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const wanted = process.argv.slice(2);
if (process.env.VIGIL_SKIP_BUILD !== '1') {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const files = distFiles(root, '.bench.js');
const suiteOf = (f) => basename(f, '.bench.js');
const pkgOf = (f) => relative(join(root, 'packages'), f).split('/')[0];
const selected = files.filter((f) => wanted.length === 0 || wanted.includes(suiteOf(f)) || wanted.includes(pkgOf(f)));
if (selected.length === 0) {
  const all = [...new Set(files.map(suiteOf))].sort().join(', ');
  console.error(`bench: no suite matches ${wanted.join(' ')}; suites: ${all}`);
  process.exit(1);
}
let failed = 0;
for (const f of selected) {
  console.log(`# ${suiteOf(f)} (${relative(root, f)})`);
  const r = spawnSync(process.execPath, ['--expose-gc', f], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench: ${suiteOf(f)} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
