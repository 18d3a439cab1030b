// Open run… in the lab: a metrics.jsonl written by PyTorch (fixtures/pytorch-metrics.jsonl: the
// train.py that `gradscope export --config fixtures/pytorch-metrics.run.json` writes, run with
// Debian's torch 1.13) appears read-only beside the live run, in the same charts; a file with a
// bad line is refused with its line number and changes nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startLab, type Lab } from './browser';

type Hook = { gradscope: { lab: { lab: { runs: unknown[]; opened: { name: string; records: { step: number }[] }[] } } | null } };
const FIXTURE = join(import.meta.dirname, 'fixtures', 'pytorch-metrics.jsonl');

describe('opening a run file in the lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('shows a PyTorch run beside the live one, and refuses a broken file without changing anything', async () => {
    const page = await lab.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${lab.url}?depth=2&width=8`);
    await page.waitForFunction(() => (window as unknown as Hook).gradscope?.lab?.lab.runs.length, null, { timeout: 60_000 });
    const opened = () => page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.opened.map((r) => ({ name: r.name, steps: r.records.map((x) => x.step) })));

    await page.setInputFiles('#open-run-file', FIXTURE);
    await expect.poll(opened, { timeout: 10_000 }).toEqual([{ name: 'pytorch-metrics.jsonl', steps: [1, ...Array.from({ length: 12 }, (_, i) => 5 * (i + 1))] }]);
    await expect.poll(() => page.locator('.message').textContent()).toMatch(/^Opened pytorch-metrics\.jsonl as a read-only run: 13 records, steps 1…60\.$/);
    // Its curves: a series in the loss chart and the vanishing curve, beside run A's.
    const legend = (title: string) => page.locator('figure.chart', { hasText: title }).locator('.u-legend .u-series');
    await expect.poll(() => legend('Loss (solid').allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('pytorch-metrics.jsonl train')]));
    await expect.poll(() => legend('Gradient norm vs layer depth').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('pytorch-metrics.jsonl step 60')]));
    expect(await page.locator('#focus-run option').allTextContents()).toEqual(['run A', 'pytorch-metrics.jsonl']);
    await page.selectOption('#focus-run', '1'); // the per-layer charts, heatmap and histograms of the PyTorch run
    const perLayer = ['pytorch-metrics.jsonl layers.0.weight', 'pytorch-metrics.jsonl layers.2.weight', 'pytorch-metrics.jsonl layers.4.weight'];
    await expect.poll(() => legend('Per-layer gradient norm over steps').allTextContents()).toEqual(perLayer); // the legend names the lines (no live values: it stays small)
    await page.screenshot({ path: join(ARTIFACTS, 'lab-open-run.png'), fullPage: true });

    // Line 4 of a copy is broken: refused, named, and the opened run is still the only one.
    const lines = readFileSync(FIXTURE, 'utf8').split('\n');
    lines[3] = lines[3].replace('"loss": ', '"loss": "x", "was": ');
    await page.setInputFiles('#open-run-file', { name: 'broken.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(lines.join('\n')) });
    await expect.poll(() => page.locator('.message').textContent()).toMatch(/^Could not open broken\.jsonl: line 4: loss: expected a number or null, got "x"\. Nothing was changed\.$/);
    expect((await opened()).map((r) => r.name)).toEqual(['pytorch-metrics.jsonl']);

    await page.click('#close-runs');
    expect(await opened()).toEqual([]);
    expect(errors).toEqual([]);
  });
});
