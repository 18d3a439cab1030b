// Fashion-MNIST in the lab: the shipped subset is fetched from the page's origin (a gzip file not
// named .gz, so no server unpacks it on the way), a 784-input model builds and trains.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from './browser';

type Hook = { gradscope: { lab: { lab: { runs: { records: unknown[]; data: { features: number; train: { n: number } } }[] } } | null } };

describe('Fashion-MNIST in the lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => lab?.close());

  it('loads the shipped subset and trains on it', async () => {
    const page = await lab.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${lab.url}?data=fashion_mnist&depth=1&width=32&batch=32`);
    await page.waitForFunction(() => (window as unknown as Hook).gradscope?.lab?.lab.runs.length, null, { timeout: 60_000 });
    const data = await page.evaluate(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].data);
    expect([data.features, data.train.n]).toEqual([784, 10000]);
    await page.click('#play');
    await page.waitForFunction(() => (window as unknown as Hook).gradscope.lab!.lab.runs[0].records.length >= 2, null, { timeout: 60_000 });
    await page.click('#play');
    expect(await page.locator('.message[data-kind="error"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
