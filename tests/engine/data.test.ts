// Data sets: seeded (same seed, same bytes), the requested size, balanced classes, split by
// test_fraction; the batcher visits every sample once per epoch and resumes exactly.
import { describe, expect, it } from 'vitest';
import { Batcher, makeToyDataset, outputsFor, targetsFor } from '../../src/engine/data';
import { DATASETS, type DataSpec } from '../../src/engine/spec';

const spec = (name: DataSpec['name']): DataSpec => ({ name, classes: 3, samples: 600, noise: 0.1, test_fraction: 0.2 });

describe('toy data sets', () => {
  it.each(DATASETS.filter((d) => d !== 'fashion_mnist' && d !== 'own'))('%s is seeded, sized and split', (name) => {
    const a = makeToyDataset(spec(name), 7);
    const b = makeToyDataset(spec(name), 7);
    expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(b.train.x.buffer))).toBe(true);
    expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(makeToyDataset(spec(name), 8).train.x.buffer))).toBe(false);
    expect(a.train.n + a.test.n).toBe(600);
    expect(a.test.n).toBe(120);
    expect(a.train.x.every(Number.isFinite)).toBe(true);
    if (a.classes > 0) {
      const counts = new Array(a.classes).fill(0);
      for (const l of a.train.labels) counts[l]++;
      for (const c of counts) expect(c).toBeGreaterThan(480 / a.classes / 2);
    }
  });

  it('gives each loss the targets it reads', () => {
    const d = makeToyDataset(spec('spiral'), 1);
    expect(targetsFor('cross_entropy', d, d.train)).toBeInstanceOf(Int32Array);
    const onehot = targetsFor('mse', d, d.train) as Float32Array;
    expect(onehot.length).toBe(d.train.n * 3);
    expect(onehot[d.train.labels[0]]).toBe(1);
    const moons = makeToyDataset(spec('moons'), 1);
    expect(outputsFor('bce_with_logits', moons)).toBe(1);
  });
});

describe('Batcher', () => {
  it('covers every sample once per epoch and resumes from its state bit-identically', () => {
    const b = new Batcher(10, 4, 3);
    const seen = [...b.next(), ...b.next()];
    const state = structuredClone(b.state);
    const rest = [...b.next(), ...b.next(), ...b.next()];
    expect(new Set([...seen, ...rest.slice(0, 2)]).size).toBe(10);
    expect(b.epoch).toBe(1);
    const resumed = new Batcher(10, 4, 99);
    resumed.restore(state);
    expect([...resumed.next(), ...resumed.next(), ...resumed.next()]).toEqual(rest);
  });
});

describe('Fashion-MNIST subset', () => {
  it('loads 10 balanced classes of 784 pixels in [0, 1], limited by data.samples', async () => {
    const { loadDataset } = await import('../../src/engine/dataset');
    const d = await loadDataset({ name: 'fashion_mnist', classes: 10, samples: 3000, noise: 0, test_fraction: 0.2 }, 0);
    expect([d.features, d.classes, d.train.n, d.test.n]).toEqual([784, 10, 3000, 2000]);
    expect(d.train.x.length).toBe(3000 * 784);
    expect(Math.max(...d.train.x.subarray(0, 784 * 10))).toBeLessThanOrEqual(1);
    const counts = new Array(10).fill(0);
    for (const l of d.test.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(200));
  });
});
