// A lost GPU device in the lab (device.destroy()): a message within a second, an offer to resume
// from the last in-memory checkpoint that works, and no unhandled error or rejection on the page.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startLab, type Lab } from './browser';

type Hook = { gradscope: { lab: { lab: { ctx: { device: GPUDevice }; runs: { trainer: { step: number }; checkpoint: unknown }[] } } | null } };

describe('the lab after a lost device', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('says so within a second and resumes on a new device from the last checkpoint', async () => {
    const page = await lab.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${lab.url}?depth=3&width=8`);
    await page.waitForFunction(() => (window as unknown as Hook).gradscope?.lab?.lab.runs.length, null, { timeout: 60_000 });
    await page.click('#step');
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].checkpoint !== null, null, { timeout: 30_000 });
    const t0 = Date.now();
    await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.ctx.device.destroy());
    await page.locator('.message', { hasText: 'GPU device was lost' }).waitFor({ timeout: 1000 });
    expect(Date.now() - t0).toBeLessThan(1000);
    await page.screenshot({ path: join(ARTIFACTS, 'lab-device-lost.png') });
    await page.click('#resume');
    await page.locator('.message', { hasText: 'Resumed on a new device' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('.message').textContent()).toMatch(/checkpoint \(step 1\)/);
    expect(await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].trainer.step)).toBe(1);
    await page.click('#step');
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].trainer.step >= 2, null, { timeout: 30_000 });
    expect(errors).toEqual([]);
  });
});
