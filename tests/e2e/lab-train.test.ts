// The lab in Chromium: training runs and the charts receive points; a structural change rebuilds
// the model; compare mode shows two runs; a preset loads and explains itself; the URL round-trips
// the settings; a malicious URL is refused visibly and injects no markup. Screenshots go to
// test-artifacts/ (lab-*.png).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, startLab, type Lab } from './browser';

type Hook = { gradscope: { lab: { lab: { runs: { trainer: { step: number; model: { params: unknown[] } }; records: unknown[]; name: string }[]; stepsRun: number }; stats: { rebuilds: number }; settings: Record<string, unknown>[] } | null } };

async function labReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as Hook).gradscope?.lab?.lab.runs.length, null, { timeout: 60_000 });
}

describe('the lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('trains when played, feeds the charts, and rebuilds the model when depth changes', async () => {
    const page = await lab.newPage();
    await page.goto(`${lab.url}?depth=4&width=16`);
    await labReady(page);
    await page.click('#play');
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].records.length >= 3, null, { timeout: 60_000 });
    await page.click('#play'); // pause
    const params = await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].trainer.model.params.length);
    expect(params).toBe(10); // 4 hidden dense layers + output, weight and bias each
    expect(await page.locator('.uplot').count()).toBeGreaterThanOrEqual(6);
    await page.screenshot({ path: join(ARTIFACTS, 'lab-training.png'), fullPage: true });
    // Structural change through the URL-backed settings: depth 6.
    const rebuilds = await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.stats.rebuilds);
    const depth = page.locator('.lil-controller').filter({ hasText: 'hidden layers' }).locator('input').first();
    await depth.fill('6');
    await depth.press('Enter');
    await page.waitForFunction((n) => (window as unknown as Hook).gradscope.lab!.stats.rebuilds > n, rebuilds, { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].trainer.model.params.length)).toBe(14);
    expect(new URL(page.url()).searchParams.get('depth')).toBe('6');
  });

  it('compare mode and a preset show two runs with the expected outcome stated', async () => {
    const page = await lab.newPage();
    await page.goto(lab.url);
    await labReady(page);
    await page.click('#add-run');
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs.length === 2, null, { timeout: 30_000 });
    await page.locator('.presets button', { hasText: 'Glorot vs standard' }).click();
    await page.waitForFunction(() => {
      const l = (window as unknown as Hook).gradscope.lab!.lab;
      return l.runs.length === 2 && l.runs.every((r) => r.records.length >= 2);
    }, null, { timeout: 60_000 });
    await page.click('#play');
    expect(await page.locator('.expect').textContent()).toMatch(/Glorot & Bengio 2010.*Expected:/);
    const url = new URL(page.url());
    expect(url.searchParams.get('runs')).toBe('2');
    expect(url.searchParams.get('act')).toBe('sigmoid');
    expect(url.searchParams.get('init')).toBe('standard');
    expect(url.searchParams.get('b.init')).toBe('glorot_uniform');
    await page.screenshot({ path: join(ARTIFACTS, 'lab-compare.png'), fullPage: true });
    // The URL round-trips: opening it gives the same two runs.
    const again = await lab.newPage();
    await again.goto(page.url());
    await labReady(again);
    const settings = await again.evaluate(() => (window as unknown as Hook).gradscope.lab!.settings.map((s) => [s.activation, s.init]));
    expect(settings).toEqual([['sigmoid', 'standard'], ['sigmoid', 'glorot_uniform']]);
  });

  it('refuses a malicious URL visibly, without injecting markup', async () => {
    const page = await lab.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
    await page.goto(`${lab.url}?data=${encodeURIComponent('<img src=x onerror=alert(1)>')}&depth=${encodeURIComponent('1e9')}&act=constructor`);
    await labReady(page);
    const message = await page.locator('.message').textContent();
    expect(message).toMatch(/Ignored invalid URL settings: data, depth, act/);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toBe(0);
    expect(await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.settings[0].dataset)).toBe('spiral');
  });
});

describe('the lab profiler panel', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('shows a per-kernel table with shares while profiling', async () => {
    const page = await lab.newPage();
    await page.goto(`${lab.url}?depth=3&width=16`);
    await labReady(page);
    await page.click('#profile');
    await page.click('#play');
    await page.locator('.profile td', { hasText: 'matmul' }).first().waitFor({ timeout: 60_000 });
    await page.click('#play');
    const rows = await page.locator('.profile tr').count();
    expect(rows).toBeGreaterThan(5);
    expect(await page.locator('.profile figcaption').first().textContent()).toMatch(/run A: \d+ profiled steps, mean [\d.]+ ms/);
    await page.locator('.profile').screenshot({ path: join(ARTIFACTS, 'lab-profile.png') });
  });
});
