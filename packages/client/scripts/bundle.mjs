// `npm run build:assets` (run by `npm ci` through scripts/build.mjs, after `tsc -b`): the CommonJS build of
// @vigil/client, so that `require('@vigil/client')` works on Node 20 (which cannot require() ES modules).
// One esbuild bundle of dist/index.js with its workspace dependencies inlined, and the type declarations
// copied next to it under a `"type": "commonjs"` package.json so that TypeScript reads them as CommonJS.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(pkg, 'dist');
const out = join(dist, 'cjs');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(dist, 'index.js')],
  outfile: join(out, 'index.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n');
for (const f of readdirSync(dist)) {
  if (f.endsWith('.d.ts') && !f.includes('.test.') && !f.includes('.bench.')) copyFileSync(join(dist, f), join(out, f));
}
