// The lab's GAN mode in Chromium: the default GAN trains when played and feeds the charts and
// the samples-over-decision-map view; a preset builds its two runs, says its sentence and trains
// both. Screenshot: test-artifacts/lab-gan.png.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GAN_PRESETS } from '../../src/lab/ui/gan_presets';
import { ARTIFACTS, startLab, type Lab } from './browser';

type Hook = { gradscope: { gan?: { lab: { runs: { name: string; records: unknown[]; view: { step: number } | null; trainer: { step: number } }[] }; stats: { frames: number } } } };

describe('the GAN mode', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('trains when played: records, the decision map and the charts fill; a preset runs both losses side by side', async () => {
    const page = await lab.newPage();
    await page.goto(`${lab.url}?mode=gan`);
    await page.waitForFunction(() => (window as unknown as Hook).gradscope?.gan?.lab.runs.length === 1, null, { timeout: 60_000 });
    await page.click('#gan-play');
    await page.waitForFunction(() => { const r = (window as unknown as Hook).gradscope.gan!.lab.runs[0]; return r.records.length >= 3 && (r.view?.step ?? 0) >= 20; }, null, { timeout: 120_000 });
    expect(await page.locator('#gan-views canvas').count()).toBe(1);
    // uPlot charts: both networks' per-layer norms, the output gradient, vanishing curve, losses, D values.
    expect(await page.locator('.dash [id^="gan-charts"] canvas').count()).toBeGreaterThanOrEqual(6);
    // The map is drawn: not a single colour.
    const colours = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('#gan-views canvas')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4 * 97) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    });
    expect(colours).toBeGreaterThan(10);
    expect(await page.locator('#gan-views .note').textContent()).toMatch(/^step \d+: .*; \d\/8 modes hit, \d+% of samples within 3σ of a mode$/);
    await page.click('#gan-preset-0');
    await page.waitForFunction(() => { const runs = (window as unknown as Hook).gradscope.gan!.lab.runs; return runs.length === 2 && runs.every((r) => r.records.length >= 2); }, null, { timeout: 120_000 });
    expect(await page.locator('.expect').textContent()).toContain(GAN_PRESETS[0].expect);
    const names = await page.evaluate(() => (window as unknown as Hook).gradscope.gan!.lab.runs.map((r) => r.name));
    expect(names).toEqual(['run A (saturating)', 'run B (non_saturating)']);
    expect(await page.locator('#gan-views canvas').count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, 'lab-gan.png'), fullPage: true });
    expect(new URL(page.url()).search).toMatch(/^\?mode=gan&runs=2&generatorLoss=saturating&dSteps=5&/);
    await page.close();
  });

  it('builds the runs a URL names and names the values it refused', async () => {
    const page = await lab.newPage();
    await page.goto(`${lab.url}?mode=gan&runs=2&b.generatorLoss=least_squares&dSteps=%3Cimg%20src%3Dx%3E&gWidth=16`);
    await page.waitForFunction(() => (window as unknown as Hook).gradscope?.gan?.lab.runs.length === 2, null, { timeout: 60_000 });
    const names = await page.evaluate(() => (window as unknown as Hook).gradscope.gan!.lab.runs.map((r) => r.name));
    expect(names).toEqual(['run A (non_saturating)', 'run B (least_squares)']);
    expect(await page.locator('.message').textContent()).toBe('Ignored invalid URL settings: dSteps (defaults used instead).');
    expect(await page.locator('img').count()).toBe(0);
    await page.close();
  });
});
