// `npm run bench:browser [-- --quick|--full] [--json] [--only matmul|training|normalisation]`:
// builds bench/browser.html, serves it on localhost and runs it in the system Chromium through
// playwright-core (WebGPU on SwiftShader here; on a machine with a GPU, Chromium's own adapter).
// Prints the same table and JSON as `npm run bench`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM, WEBGPU_FLAGS } from './chromium';
import { formatTable, type Row } from './timing';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, full: { type: 'boolean' }, json: { type: 'boolean' }, only: { type: 'string' }, variants: { type: 'boolean' } } });
const scope = values.quick ? 'quick' : values.full ? 'full' : 'default';
const log = (s: string) => { if (!values.json) console.error(s); };

const outDir = mkdtempSync(join(tmpdir(), 'gradscope-bench-page-'));
await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true, rollupOptions: { input: 'bench/browser.html' }, chunkSizeWarningLimit: 4000 } });
const server = await preview({ logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
const address = server.httpServer.address();
if (!address || typeof address === 'string') throw new Error('preview server has no port');
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: WEBGPU_FLAGS });
type Result = { ok: true; adapter: { name: string; vendor: string; architecture: string }; userAgent: string; rows: Row[]; extra: Record<string, unknown> } | { ok: false; error: string };
let result: Result;
try {
  const page = await browser.newPage();
  page.on('console', (m) => log(`  ${m.text()}`));
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  const query = new URLSearchParams({ scope, ...(values.only ? { only: values.only } : {}), ...(values.variants ? { variants: '1' } : {}) });
  await page.goto(`http://127.0.0.1:${address.port}/bench/browser.html?${query}`);
  await page.waitForFunction(() => (window as unknown as { __bench?: unknown }).__bench, undefined, { timeout: 0, polling: 1000 });
  result = await page.evaluate(() => (window as unknown as { __bench: Result }).__bench);
} finally {
  await browser.close();
  await server.close();
  rmSync(outDir, { recursive: true, force: true });
}
if (!result.ok) {
  console.error(`bench:browser: ${result.error}`);
  process.exit(1);
}
if (values.json) console.log(JSON.stringify({ ...result, browser: CHROMIUM }, null, 2));
else {
  console.log(`\nadapter: ${result.adapter.name} (${result.adapter.vendor}, ${result.adapter.architecture}) in ${result.userAgent}\n`);
  console.log(formatTable(result.rows));
  console.log(`\n${JSON.stringify(result.extra)}`);
}
