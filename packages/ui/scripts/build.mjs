// `npm run build:assets` (run by the root build): type-checks the browser app, bundles it with Vite into
// dist/ (index.html + assets/), and compiles the Node tests into dist/test/ (never served).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(pkg, 'package.json'));
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');

const run = (what, args) => {
  const r = spawnSync(process.execPath, args, { cwd: pkg, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`ui build: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
};

run('type check of the app (tsconfig.app.json)', [tsc, '-p', 'tsconfig.app.json']);
rmSync(join(pkg, 'dist', 'assets'), { recursive: true, force: true });
rmSync(join(pkg, 'dist', 'index.html'), { force: true });
run('vite build', [vite, 'build', '--logLevel', 'warn']);
run('compiling the tests (tsconfig.json)', [tsc, '-b', 'tsconfig.json']);
