// The lab in Chromium: training runs and the charts receive points; a structural change rebuilds
// the model; compare mode shows two runs; a preset loads and explains itself; the URL round-trips
// the settings; experiment files save and open; a malicious URL or file is refused visibly and
// injects no markup. Screenshots go to
// test-artifacts/ (lab-*.png).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, startLab, type Lab } from './browser';

vi.setConfig({ testTimeout: 300_000 }); // labReady's bound plus the test's own steps

type Hook = { gradscope: { lab: { lab: { ctx: { pool: { counts: { inUse: number; inUseBytes: number } } }; runs: { trainer: { step: number; model: { params: unknown[] }; spec: { optimizer: { lr: number } } }; records: unknown[]; name: string }[]; stepsRun: number }; stats: { rebuilds: number; frames: number }; settings: Record<string, unknown>[] } | null } };

// The first run's build compiles every pipeline on SwiftShader: ~15-40 s alone, past 60 s on a slow
// 2-core host while the other worker runs a GPU suite (a clean-clone CI run on 2026-12-04). A bound
// against a hang, not a speed claim.
async function labReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as Hook).gradscope?.lab?.lab.runs.length, null, { timeout: 150_000 });
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
    const pool = () => page.evaluate(() => { const c = (window as unknown as Hook).gradscope.lab!.lab.ctx.pool.counts; return { inUse: c.inUse, inUseBytes: c.inUseBytes }; });
    const fresh = await pool(); // GPU buffers of a freshly built depth-4 model
    await page.click('#play');
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].records.length >= 3, null, { timeout: 60_000 });
    await page.click('#play'); // pause
    const params = await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].trainer.model.params.length);
    expect(params).toBe(10); // 4 hidden dense layers + output, weight and bias each
    expect(await page.locator('.uplot').count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator('#charts-time').isVisible()).toBe(false); // no recurrent run: no through-time panel
    expect(await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.stats.frames)).toBeGreaterThanOrEqual(2); // redraws with new data
    await page.screenshot({ path: join(ARTIFACTS, 'lab-training.png'), fullPage: true });
    // Structural change through the URL-backed settings: depth 6.
    const rebuilds = await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.stats.rebuilds);
    const depth = page.locator('.lil-controller').filter({ hasText: 'hidden layers' }).locator('input').first();
    await depth.fill('6');
    await depth.press('Enter');
    await page.waitForFunction((n) => (window as unknown as Hook).gradscope.lab!.stats.rebuilds > n, rebuilds, { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].trainer.model.params.length)).toBe(14);
    expect(new URL(page.url()).searchParams.get('depth')).toBe('6');
    // The learning rate applies to the running trainer on its next step: no rebuild.
    const lr = page.locator('.lil-controller').filter({ hasText: 'log10 learning rate' }).locator('input').first();
    await lr.fill('-3');
    await lr.press('Enter');
    expect(await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].trainer.spec.optimizer.lr)).toBeCloseTo(1e-3, 12);
    expect(await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.stats.rebuilds)).toBe(rebuilds + 1);
    expect(new URL(page.url()).searchParams.get('lr')).toBe('-3');
    // Two changes in one task, the second before the first rebuild is done: one run at the end, and
    // exactly the GPU buffers of a fresh depth-4 model (the old trainers were all disposed).
    const before = await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.stats.rebuilds);
    await depth.evaluate((input: HTMLInputElement) => {
      for (const v of ['5', '4']) { // lil-gui applies on input and finishes the change on blur
        input.value = v;
        input.dispatchEvent(new Event('input'));
        input.dispatchEvent(new Event('blur'));
      }
    });
    await page.waitForFunction((n) => (window as unknown as Hook).gradscope.lab!.stats.rebuilds >= n + 2, before, { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs.map((r) => r.trainer.model.params.length))).toEqual([10]);
    expect(await pool()).toEqual(fresh);
  });

  it('compare mode shows two runs; the Glorot preset loads three and states the expected outcome', async () => {
    const page = await lab.newPage();
    await page.goto(`${lab.url}?depth=3&width=8`);
    await labReady(page);
    await page.click('#add-run');
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs.length === 2, null, { timeout: 30_000 });
    expect(await page.locator('.lil-gui.lil-root').count()).toBe(2);
    expect(new URL(page.url()).searchParams.get('runs')).toBe('2');
    await page.locator('.presets button', { hasText: 'Glorot vs standard' }).click();
    await page.waitForFunction(() => {
      const l = (window as unknown as Hook).gradscope.lab!.lab;
      return l.runs.length === 3 && l.runs.every((r) => r.records.length >= 2);
    }, null, { timeout: 60_000 });
    await page.click('#play');
    expect(await page.locator('.expect').textContent()).toMatch(/Glorot & Bengio 2010.*Expected:/);
    const legend = await page.locator('#charts-gradients .u-legend').first().textContent();
    expect(legend).toMatch(/run A.*run B.*run C/);
    // The per-layer charts follow the run picked in the focus menu.
    await page.selectOption('#focus-run', '2');
    await page.locator('#charts-maps figcaption', { hasText: 'layer × step (run C)' }).waitFor({ timeout: 10_000 });
    const url = new URL(page.url());
    expect(url.searchParams.get('runs')).toBe('3');
    expect(url.searchParams.get('act')).toBe('sigmoid');
    expect(url.searchParams.get('init')).toBe('standard');
    expect(url.searchParams.get('b.act')).toBe('tanh');
    expect(url.searchParams.get('c.init')).toBe('glorot_uniform');
    await page.screenshot({ path: join(ARTIFACTS, 'lab-compare.png'), fullPage: true });
    // The URL round-trips: opening it gives the same three runs.
    const again = await lab.newPage();
    await again.goto(page.url());
    await labReady(again);
    const settings = await again.evaluate(() => (window as unknown as Hook).gradscope.lab!.settings.map((s) => [s.activation, s.init]));
    expect(settings).toEqual([['sigmoid', 'standard'], ['tanh', 'standard'], ['tanh', 'glorot_uniform']]);
  });

  it('the exploding preset: the unclipped run stops and says where, the clipped run trains on', async () => {
    const page = await lab.newPage();
    await page.goto(lab.url);
    await labReady(page);
    await page.locator('.presets button', { hasText: 'Exploding gradients' }).click();
    await page.locator('.status-line', { hasText: /run A: step \d+ \(stopped: non-finite values at step \d+ in / }).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs[1].trainer.step >= 60, null, { timeout: 60_000 });
    await page.click('#play'); // pause
    expect(await page.locator('.status-line').textContent()).toMatch(/run B: step \d+$/);
    await page.screenshot({ path: join(ARTIFACTS, 'lab-exploding.png'), fullPage: true });
  });

  it('exports the metrics as CSV and the charts as PNG', async () => {
    const page = await lab.newPage();
    await page.goto(`${lab.url}?depth=3&width=8`);
    await labReady(page);
    await page.click('#step');
    await page.click('#step');
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].records.length >= 1, null, { timeout: 30_000 });
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    expect(csv.suggestedFilename()).toBe('gradscope-metrics.csv');
    const lines = (await readFile(await csv.path(), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('run,step,loss,accuracy,global_grad_norm,grad_norm:layers.0.weight,grad_norm:layers.0.bias,grad_norm:layers.2.weight,grad_norm:layers.2.bias,grad_norm:layers.4.weight,grad_norm:layers.4.bias,grad_norm:layers.6.weight,grad_norm:layers.6.bias');
    expect(lines[1]).toMatch(/^run A,1,[\d.]+,[\d.]+,[\d.e-]+(,[\d.e-]+){8}$/);
    const pngs: string[] = [];
    page.on('download', (d) => pngs.push(d.suggestedFilename()));
    await page.click('#export-png');
    await expect.poll(() => pngs.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(9);
    expect(pngs).toEqual(expect.arrayContaining(['gradscope-vanishing.png', 'gradscope-heatmap.png', 'gradscope-histograms.png', 'gradscope-boundary-0.png']));
  });

  it('saves the experiment to a file and opens it again; a hostile file is refused field by field, a broken one as a whole', async () => {
    const page = await lab.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
    await page.goto(`${lab.url}?runs=2&depth=3&width=12&act=relu&b.act=sigmoid`);
    await labReady(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-experiment')]);
    const saved = JSON.parse(await readFile((await download.path())!, 'utf8'));
    expect(saved.runs.map((r: { activation: string; depth: number }) => [r.activation, r.depth])).toEqual([['relu', 3], ['sigmoid', 3]]);
    // Open it in a fresh page: both runs come back.
    const other = await lab.newPage();
    await other.goto(lab.url);
    await labReady(other);
    await other.setInputFiles('#open-experiment-file', { name: 'saved.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(saved)) });
    const message = (re: RegExp) => other.waitForFunction((src) => new RegExp(src).test(document.querySelector('.message')?.textContent ?? ''), re.source);
    await message(/Opened saved\.json: 2 runs/);
    expect(await other.evaluate(() => (window as unknown as Hook).gradscope.lab!.settings.map((s) => s.activation))).toEqual(['relu', 'sigmoid']);
    // A hostile file: markup and bad values are named, nothing is injected, defaults stand in.
    const hostile = { gradscope: 'lab-experiment', version: 1, runs: [{ dataset: '<img src=x onerror=alert(1)>', depth: 4, activation: 'constructor', '<b>x</b>': 1 }] };
    await other.setInputFiles('#open-experiment-file', { name: '<img src=y onerror=alert(2)>.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(hostile)) });
    await message(/ignored invalid settings: runs\[0\]\.dataset, runs\[0\]\.activation, runs\[0\]\.<b>x<\/b> \(unknown\)/);
    expect(await other.evaluate(() => (window as unknown as Hook).gradscope.lab!.settings[0])).toMatchObject({ dataset: 'spiral', depth: 4, activation: 'tanh' });
    // A broken file changes nothing.
    await other.setInputFiles('#open-experiment-file', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"gradscope": "lab-experiment", "runs": [') });
    await message(/Could not open broken\.json: not JSON/);
    expect(await other.evaluate(() => (window as unknown as Hook).gradscope.lab!.settings[0].depth)).toBe(4);
    expect(await other.locator('img, b').count()).toBe(0);
    expect(dialogs).toBe(0);
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
