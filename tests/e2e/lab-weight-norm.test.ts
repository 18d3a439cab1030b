// Weight norm in the lab (Chromium): the weight-norm preset loads four runs (plain, weight norm,
// weight norm with data init, batch norm) that train and state the paper's claim; the URL carries
// the normalisation of each; the vanishing curve shows all four.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startLab, type Lab } from './browser';

type Hook = { gradscope: { lab: { lab: { runs: { records: unknown[]; trainer: { stopped: unknown } }[] } } | null } };

describe('weight norm in the lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('the weight-norm preset trains four runs, states its claim, and its URL names each normalisation', async () => {
    const page = await lab.newPage();
    await page.goto(lab.url);
    await page.waitForFunction(() => (window as unknown as Hook).gradscope?.lab?.lab.runs.length, null, { timeout: 60_000 });
    await page.locator('.presets button', { hasText: 'Weight norm vs batch norm' }).click();
    await page.waitForFunction(() => {
      const l = (window as unknown as Hook).gradscope.lab!.lab;
      return l.runs.length === 4 && l.runs.every((r) => r.records.length >= 2);
    }, null, { timeout: 90_000 });
    await page.click('#play');
    expect(await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs.map((r) => r.trainer.stopped))).toEqual([null, null, null, null]);
    expect(await page.locator('.expect').textContent()).toMatch(/Salimans & Kingma 2016.*Expected:.*data-dependent init/);
    const url = new URL(page.url());
    expect([url.searchParams.get('norm'), url.searchParams.get('b.norm'), url.searchParams.get('c.norm'), url.searchParams.get('d.norm')]).toEqual([null, 'weight', 'weight_data', 'batch']);
    expect(await page.locator('#charts-gradients .u-legend').first().textContent()).toMatch(/run A.*run B.*run C.*run D/); // the vanishing curve
    await page.screenshot({ path: join(ARTIFACTS, 'lab-weight-norm.png'), fullPage: true });
  });
});
