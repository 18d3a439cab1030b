// The built lab page in headless Chromium: it finds a WebGPU adapter, runs the kernel self-check
// (elementwise add and scale on 100,003 elements against a CPU result) and says so on the page.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startLab, type Lab } from './browser';

describe('lab page in Chromium', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('shows the adapter and a passing kernel check', async () => {
    const page = await lab.newPage();
    await page.goto(lab.url);
    const status = page.locator('#status');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 60_000 }).not.toBe('pending');
    const text = await status.textContent();
    expect(await status.getAttribute('data-state'), text ?? '').toBe('ok');
    expect(text).toMatch(/Kernel check passed: 100,003 elements/);
    expect(await page.locator('#adapter').textContent()).toMatch(/^Adapter: \S/);
    const check = await page.evaluate(() => (window as unknown as { gradscope: { check: { maxError: number } } }).gradscope.check);
    expect(check.maxError).toBeLessThanOrEqual(1e-6);
    await page.screenshot({ path: join(ARTIFACTS, 'lab-device.png'), fullPage: true });
  });

  it('explains how to enable WebGPU when the browser has none', async () => {
    const page = await lab.newPage();
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
    await page.goto(lab.url);
    const status = page.locator('#status');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 30_000 }).toBe('error');
    expect(await status.textContent()).toMatch(/does not expose WebGPU.*enable-unsafe-webgpu/);
    await page.screenshot({ path: join(ARTIFACTS, 'lab-no-webgpu.png') });
  });
});
