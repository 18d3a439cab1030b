// Browser end-to-end harness: builds the lab with Vite, serves it on localhost and drives the
// system Chromium (never a downloaded browser) with the flags that give WebGPU on a software
// Vulkan driver. Screenshots go to test-artifacts/.
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
  newPage(): Promise<Page>;
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
  return {
    url,
    browser,
    async newPage() {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
