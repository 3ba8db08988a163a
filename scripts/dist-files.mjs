// The built files of every package whose name ends with `suffix` (`.test.js`, `.bench.js`), found under
// `packages/*/dist`; shared by `npm test` and `npm run bench`.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export function distFiles(root, suffix) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(suffix)) files.push(p);
    }
  };
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const dist = join(root, 'packages', pkg, 'dist');
    if (existsSync(dist)) walk(dist);
  }
  return files;
}
