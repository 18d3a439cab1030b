// The lab's Diagnosis panel in Chromium: the Glorot preset trains, the panel names vanishing
// gradients for the sigmoid run (with its evidence) and nothing for the tanh/Glorot run, and
// pressing a "Try this" button adds a fourth run with that one change on the same seed.
// Screenshot: test-artifacts/lab-diagnosis.png.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startLab, type Lab } from './browser';

type Hook = { gradscope: { lab: { lab: { runs: { trainer: { step: number } }[] }; settings: Record<string, unknown>[] } | null } };

describe('the lab diagnosis panel', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('names vanishing gradients for the sigmoid run, none for the Glorot run, and Try this adds the run', async () => {
    const page = await lab.newPage();
    await page.goto(lab.url);
    await page.waitForFunction(() => (window as unknown as Hook).gradscope?.lab?.lab.runs.length, null, { timeout: 60_000 });
    await page.locator('.presets button', { hasText: 'Glorot vs standard' }).click(); // loads three runs and plays
    const sigmoid = page.locator('#diagnosis .diagnosis-run[data-run="run A"]');
    const glorot = page.locator('#diagnosis .diagnosis-run[data-run="run C"]');
    await sigmoid.locator('.finding[data-kind="vanishing_gradients"]').waitFor({ timeout: 180_000 });
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs.every((r) => r.trainer.step >= 100), null, { timeout: 120_000 });
    await page.click('#play'); // pause
    expect(await sigmoid.locator('.finding[data-kind="vanishing_gradients"] .evidence').textContent()).toMatch(/layers\.0\.weight's gradient norm is .*orders of magnitude/);
    expect(await glorot.locator('.finding').count()).toBe(0);
    expect(await glorot.locator('.healthy').textContent()).toMatch(/^No problem seen over the last \d+ steps \(step \d+\)\.$/);
    await page.screenshot({ path: join(ARTIFACTS, 'lab-diagnosis.png'), fullPage: true });

    const tryThis = sigmoid.locator('.finding[data-kind="vanishing_gradients"] li', { hasText: 'switch activation to relu with he_normal init' }).locator('button.try');
    await tryThis.click();
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs.length === 4, null, { timeout: 60_000 });
    const settings = await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.settings.map((s) => [s.activation, s.init, s.seed, s.depth]));
    expect(settings[3]).toEqual(['relu', 'he_normal', settings[0][2], settings[0][3]]);
    expect(await page.locator('#diagnosis button.try').count()).toBe(0); // four runs: no room for another, so no button
  });
});
