#!/usr/bin/env node
// `npx gradscope ...`: runs the command line built by vite.cli.config.ts, rebuilding it first when
// any source, shader or Python template is newer than the build (the build takes about a second).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist-cli', 'gradscope.js');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(root, 'src')), newest(join(root, 'shaders')), newest(join(root, 'python')))) {
  const { build } = await import('vite');
  // Errors only: a slow machine's build warnings (rolldown's plugin timings) are not the user's output.
  await build({ configFile: join(root, 'vite.cli.config.ts'), root, logLevel: 'error' });
}
await import(pathToFileURL(built).href);
