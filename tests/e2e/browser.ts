// Browser end-to-end harness: builds the lab with Vite, serves it on localhost and drives the
// system Chromium (never a downloaded browser) with the flags that give WebGPU on a software
// Vulkan driver. Screenshots go to test-artifacts/. Every page is watched: a console error, an
// uncaught exception or a failed request (network error or HTTP status >= 400) is recorded, and
// close() fails the file with the list (an allowed pattern can be named for a test that provokes one).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { CHROMIUM, WEBGPU_FLAGS } from '../../bench/chromium';

export { CHROMIUM };
export const ARTIFACTS = resolve('test-artifacts');

export interface Lab {
  url: string;
  browser: Browser;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** What the pages reported that a clean page does not: console errors, page errors, failed requests. */
  problems: string[];
  /** Console errors matching this are expected by the test (e.g. a deliberately lost device). */
  allow(pattern: RegExp): void;
  close(): Promise<void>;
}

export async function startLab(): Promise<Lab> {
  const outDir = mkdtempSync(join(tmpdir(), 'gradscope-dist-'));
  await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({ logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no port');
  const url = `http://127.0.0.1:${address.port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: WEBGPU_FLAGS }); // launch() uses a fresh temporary profile
  mkdirSync(ARTIFACTS, { recursive: true });
  const problems: string[] = [];
  const allowed: RegExp[] = [];
  const note = (what: string) => { if (!allowed.some((a) => a.test(what))) problems.push(what); };
  return {
    url,
    browser,
    problems,
    allow: (pattern) => void allowed.push(pattern),
    async newPage(viewport = { width: 1200, height: 800 }) {
      const page = await browser.newPage({ viewport });
      page.on('pageerror', (e) => note(`page error: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') note(`console error: ${m.text()} (${m.location().url})`); });
      page.on('requestfailed', (r) => { if (!r.url().startsWith('blob:')) note(`request failed: ${r.url()} (${r.failure()?.errorText})`); });
      page.on('response', (r) => { if (r.status() >= 400) note(`HTTP ${r.status()}: ${r.url()}`); });
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
      if (problems.length) throw new Error(`the pages reported ${problems.length} problem(s):\n${problems.join('\n')}`);
    },
  };
}
