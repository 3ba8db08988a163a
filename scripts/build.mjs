// Builds everything `npm ci` must build: the TypeScript packages (tsc -b) and any package assets
// (a package's "build:assets" script, e.g. the web UI's Vite build).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, cwd = root) => {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${args.join(' ')} failed in ${cwd} (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
};

run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b']);
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const pkgFile = join(root, 'packages', name, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  if (pkg.scripts?.['build:assets']) run('npm', ['run', '--silent', 'build:assets'], join(root, 'packages', name));
}
