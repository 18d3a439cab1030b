// Your own data in the lab (Chromium): points drawn with the mouse (two classes, clicks and a
// drag, one erased) train a run and show in the decision boundary, and a small drawn set travels
// in the link; a CSV with a header and word labels trains a 3-feature net; a broken CSV is refused
// naming its line, column and field, and nothing changes; an experiment saved with its own data
// reopens in a fresh page with the same rows and trains.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, startLab, type Lab } from './browser';

type Run = { data: { name: string; features: number; train: { n: number }; test: { n: number } }; trainer: { step: number; model: { input: number; output: number } }; records: unknown[]; boundary: unknown };
type Hook = { gradscope: { lab: { lab: { runs: Run[]; own: { labels: { length: number }; features: number; classes: number; x: Record<string, number> } | null }; stats: { rebuilds: number }; settings: { dataset: string }[] } | null } };
const hook = <T>(page: Page, fn: (l: NonNullable<Hook['gradscope']['lab']>) => T) => page.evaluate(`(${fn.toString()})(window.gradscope.lab)`) as Promise<T>;

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as Hook).gradscope?.lab?.lab.runs.length, null, { timeout: 90_000 });
}
const message = (page: Page, re: RegExp) => page.waitForFunction((src) => new RegExp(src).test(document.querySelector('.message')?.textContent ?? ''), re.source, { timeout: 30_000 });

/** Trains a few steps and waits for the records and the first evaluation. */
async function train(page: Page): Promise<void> {
  for (let i = 0; i < 3; i++) await page.click('#step');
  await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs.every((r) => r.trainer.step >= 3 && r.records.length >= 1), null, { timeout: 60_000 });
}

describe('own data in the lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('draws two classes with clicks and a drag, erases one, trains on them, and the link carries them', async () => {
    const page = await lab.newPage({ width: 1440, height: 900 });
    await page.goto(`${lab.url}?depth=3&width=8`);
    await ready(page);
    // Choosing "own" before there is any: the panel opens and says what to do; nothing is rebuilt.
    const rebuilds0 = await hook(page, (l) => l.stats.rebuilds);
    await page.locator('.lil-controller').filter({ hasText: 'dataset' }).locator('select').first().selectOption('own');
    await message(page, /^Draw points or load a CSV under "Your own data"/);
    expect(await hook(page, (l) => [l.stats.rebuilds, l.settings[0].dataset])).toEqual([rebuilds0, 'spiral']);
    expect(await page.locator('.own').getAttribute('open')).toBe('');
    const box = (await page.locator('#own-canvas').boundingBox())!;
    const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
    for (const [fx, fy] of [[0.2, 0.2], [0.25, 0.3], [0.3, 0.2], [0.8, 0.9]]) await page.mouse.click(...at(fx, fy));
    await page.click('.class-pick[data-class="1"]');
    await page.mouse.move(...at(0.6, 0.6));
    await page.mouse.down();
    for (let k = 1; k <= 5; k++) await page.mouse.move(...at(0.6 + 0.05 * k, 0.6 + 0.04 * k));
    await page.mouse.up();
    await page.click('#own-eraser');
    await page.mouse.click(...at(0.8, 0.9)); // the stray class-0 point
    expect(await page.locator('.own .note').textContent()).toMatch(/^9 points drawn, 2 classes\./);
    const rebuilds = await hook(page, (l) => l.stats.rebuilds);
    await page.click('#own-use');
    await message(page, /^Training on drawn points: 9 rows, 2 classes/);
    expect(await hook(page, (l) => l.stats.rebuilds)).toBe(rebuilds + 1);
    const data = await hook(page, (l) => l.lab.runs[0].data);
    expect([data.name, data.features, data.train.n + data.test.n]).toEqual(['own', 2, 9]);
    await train(page);
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].boundary !== null);
    await page.locator('#charts-boundary figcaption', { hasText: /run A: decision boundary at step/ }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'lab-own-drawn.png') });
    const url = new URL(page.url());
    expect(url.searchParams.get('data')).toBe('own');
    expect(url.searchParams.get('own')!.split(';')).toHaveLength(9);
    // The link alone reproduces the data set.
    const again = await lab.newPage();
    await again.goto(page.url());
    await ready(again);
    expect(await hook(again, (l) => [l.lab.runs[0].data.name, l.lab.own!.labels.length])).toEqual(['own', 9]);
    expect(await hook(again, (l) => Object.values(l.lab.own!.x))).toEqual(await hook(page, (l) => Object.values(l.lab.own!.x)));
  });

  it('loads a CSV and trains on it; a broken CSV is refused by line, column and field, and nothing changes', async () => {
    const page = await lab.newPage({ width: 1440, height: 900 });
    await page.goto(`${lab.url}?depth=2&width=8`);
    await ready(page);
    const rows = Array.from({ length: 60 }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${(i % 3) - 1},${['setosa', 'virginica', 'versicolor'][i % 3]}`);
    await page.setInputFiles('#own-csv-file', { name: 'iris-ish.csv', mimeType: 'text/csv', buffer: Buffer.from(['sepal,petal,stem,species', ...rows].join('\n')) });
    await message(page, /^Training on iris-ish\.csv: 60 rows, 3 classes/);
    expect(await hook(page, (l) => [l.lab.runs[0].data.name, l.lab.runs[0].trainer.model.input, l.lab.runs[0].trainer.model.output])).toEqual(['own', 3, 3]);
    expect(await page.locator('.own .note').textContent()).toMatch(/iris-ish\.csv: 60 rows, 3 features \(sepal, petal, stem\), 3 classes \(setosa, versicolor, virginica\); only 2-D data can be drawn/);
    expect(new URL(page.url()).searchParams.get('own')).toBeNull(); // 3 features: in files only
    await train(page);
    // A broken file: refused, named, and the runs, data and settings stay as they were.
    const before = await hook(page, (l) => ({ rebuilds: l.stats.rebuilds, rows: l.lab.own!.labels.length, step: l.lab.runs[0].trainer.step, settings: l.settings }));
    await page.setInputFiles('#own-csv-file', { name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b,label\n1,2,0\n3,oops,1\n5,6,0\n7,8,1\n') });
    await message(page, /^Could not load broken\.csv: broken\.csv:3:2 \(b\): expected a finite number in \[-1000000, 1000000\], got "oops"\. Nothing was changed\.$/);
    expect(await hook(page, (l) => ({ rebuilds: l.stats.rebuilds, rows: l.lab.own!.labels.length, step: l.lab.runs[0].trainer.step, settings: l.settings }))).toEqual(before);
    expect(await page.locator('.message').getAttribute('data-kind')).toBe('error');
  });

  it('saves an experiment with its own data and reopens it in a fresh page, where it trains', async () => {
    const page = await lab.newPage();
    await page.goto(`${lab.url}?runs=2&depth=2&width=8&b.act=relu`);
    await ready(page);
    const csv = ['x,y,label', ...Array.from({ length: 40 }, (_, i) => `${Math.cos(i) * (1 + (i % 2))},${Math.sin(i) * (1 + (i % 2))},${i % 2}`)].join('\n');
    await page.setInputFiles('#own-csv-file', { name: 'rings.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await message(page, /^Training on rings\.csv: 40 rows/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-experiment')]);
    const text = await readFile((await download.path())!, 'utf8');
    const saved = JSON.parse(text);
    expect(saved.runs.map((r: { dataset: string; activation: string }) => [r.dataset, r.activation])).toEqual([['own', 'tanh'], ['own', 'relu']]);
    expect(saved.data.rows).toHaveLength(40);
    expect(saved.data.columns).toEqual(['x', 'y']);
    const other = await lab.newPage();
    await other.goto(`${lab.url}?depth=3`);
    await ready(other);
    await other.setInputFiles('#open-experiment-file', { name: 'rings.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    await message(other, /^Opened rings\.json: 2 runs with its own data \(40 rows\)\.$/);
    expect(await hook(other, (l) => l.lab.runs.map((r) => [r.data.name, r.data.train.n + r.data.test.n]))).toEqual([['own', 40], ['own', 40]]);
    expect(await hook(other, (l) => Object.values(l.lab.own!.x))).toEqual(await hook(page, (l) => Object.values(l.lab.own!.x)));
    await train(other);
    // A file whose own data has a bad row is refused as a whole: nothing changes.
    const rebuilds = await hook(other, (l) => l.stats.rebuilds);
    await other.setInputFiles('#open-experiment-file', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(text.replace(/\[([-\d.e]+),/, '["$1",')) });
    await message(other, /^Could not open bad\.json: data\.rows\[0\]: expected a list of numbers, got an array of 3\. Nothing was changed\.$/);
    expect(await hook(other, (l) => l.stats.rebuilds)).toBe(rebuilds);
    await other.screenshot({ path: join(ARTIFACTS, 'lab-own-reopened.png') });
  });
});
