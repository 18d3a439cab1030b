// Recurrent nets in the lab: the RNN/LSTM/GRU preset trains three cells side by side on the
// adding problem and the ‖∂L/∂h_t‖-against-t chart shows a curve for each, over all 100 steps.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startLab, type Lab } from './browser';

type Hook = { gradscope: { lab: { lab: { runs: { records: { hiddenGradNorms: { norms: number[] }[] }[] }[] } } | null } };

describe('recurrent nets in the lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('shows the gradient through time for an RNN, an LSTM and a GRU side by side', async () => {
    const page = await lab.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(lab.url);
    await page.waitForFunction(() => (window as unknown as Hook).gradscope?.lab?.lab.runs.length, null, { timeout: 60_000 });
    await page.locator('.presets button', { hasText: 'tanh RNN vs LSTM vs GRU' }).click();
    await page.waitForFunction(() => {
      const runs = (window as unknown as Hook).gradscope.lab!.lab.runs;
      return runs.length === 3 && runs.every((r) => r.records.length >= 2);
    }, null, { timeout: 90_000 });
    await page.click('#play'); // pause
    const lengths = await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs.map((r) => r.records[0].hiddenGradNorms[0].norms.length));
    expect(lengths).toEqual([100, 100, 100]);
    const chart = page.locator('#charts-time figure'); // the group takes no box of its own
    await expect.poll(() => chart.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await chart.locator('.u-legend .u-series').count()).toBe(3); // one series per run
    // A page screenshot clipped to the chart: an element screenshot first waits for the element to
    // hold still over two frames, which a starved renderer (a full suite beside it) took > 30 s for.
    await chart.evaluate((el) => el.scrollIntoView({ block: 'nearest' })); // scrollIntoViewIfNeeded waits for stability too
    const box = await chart.boundingBox();
    expect(box).not.toBeNull();
    // Even so a page screenshot once took over playwright's default 30 s in a full suite: 75 s.
    await page.screenshot({ path: join(ARTIFACTS, 'lab-recurrent.png'), clip: box!, timeout: 75_000 });
    expect(errors).toEqual([]);
  });
});
