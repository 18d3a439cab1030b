// GAN specs: the issue's example parses with defaults filled in; each bad field is refused with
// its path (gan.generator.layers[2].units ...) in spec.ts's vocabulary; the networks' widths are
// checked when the spec is parsed. GAN data: seeded, sized, on its modes; coverage counts modes.
import { describe, expect, it } from 'vitest';
import { coverage, makeGanDataset, modeCentres } from '../../src/engine/gan/data';
import { describeGan, GAN_DATASETS, parseGanSpec, parseRunSpec } from '../../src/engine/gan/spec';
import { SpecError } from '../../src/engine/spec';
import example from '../../examples/gan-ring.json';

const ISSUE = {
  gan: {
    latent: 2, noise: 'gaussian',
    generator: { layers: [{ type: 'dense', units: 64 }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 2 }] },
    discriminator: { layers: [{ type: 'dense', units: 64 }, { type: 'activation', fn: 'leaky_relu' }, { type: 'dense', units: 1 }] },
    generator_loss: 'non_saturating', d_steps: 1,
  },
  optimizer: { type: 'adam', lr: 0.001, beta1: 0.5 },
  data: { name: 'ring', samples: 4000 },
  batch_size: 128, steps: 5000, seed: 1,
};
const clone = () => JSON.parse(JSON.stringify(ISSUE));

describe('parseGanSpec', () => {
  it("accepts the issue's example: both optimizers default to `optimizer`, names under each network's prefix", () => {
    const s = parseGanSpec(ISSUE);
    expect(s.optimizer_g).toEqual({ type: 'adam', lr: 0.001, beta1: 0.5, beta2: 0.999, eps: 1e-8, weight_decay: 0 });
    expect(s.optimizer_d).toEqual(s.optimizer_g);
    expect(s.optimizer_d).not.toBe(s.optimizer_g); // a learning-rate change to one leaves the other
    expect(s.data).toEqual({ name: 'ring', samples: 4000, noise: 0.05 });
    const m = describeGan(s);
    expect(m.generator.params.map((p) => p.name)).toEqual(['generator.layers.0.weight', 'generator.layers.0.bias', 'generator.layers.2.weight', 'generator.layers.2.bias']);
    expect(m.discriminator.params[2]).toMatchObject({ name: 'discriminator.layers.2.weight', shape: [1, 64] });
    expect(m.generator.flat[2].path).toBe('gan.generator.layers[2]');
    expect(parseRunSpec(example)).toMatchObject({ gan: { generator_loss: 'non_saturating' } });
  });

  it('takes separate optimizers and clipping per network', () => {
    const s = parseGanSpec({ ...clone(), optimizer_d: { type: 'sgd', lr: 0.1 }, clip: { global_norm: 5 }, clip_g: { value: 0.5 } });
    expect(s.optimizer_d.type).toBe('sgd');
    expect(s.optimizer_g.type).toBe('adam');
    expect(s.clip_d).toEqual({ global_norm: 5 });
    expect(s.clip_g).toEqual({ value: 0.5 });
  });

  const bad: [string, (s: any) => void, RegExp][] = [
    ['bad units', (s) => (s.gan.generator.layers[2].units = -1), /^gan\.generator\.layers\[2\]\.units: expected an integer in \[1, 65536\], got -1/],
    ['generator not 2 wide', (s) => (s.gan.generator.layers[2].units = 3), /^gan\.generator\.layers: expected a last layer of width 2 \(the generator's samples have the data's 2 features\), got "width 3"/],
    ['discriminator not 1 logit', (s) => (s.gan.discriminator.layers[2].units = 2), /^gan\.discriminator\.layers: expected a last layer of width 1 \(the discriminator scores each sample with one logit\), got "width 2"/],
    ['recurrent layer', (s) => (s.gan.discriminator.layers[0] = { type: 'lstm', units: 4 }), /^gan\.discriminator\.layers\[0\]\.type: expected a feed-forward layer .* in a GAN, got "lstm"/],
    ['unknown loss', (s) => (s.gan.generator_loss = 'wasserstein'), /^gan\.generator_loss: expected one of saturating, non_saturating, least_squares, got "wasserstein"/],
    ['d_steps 0', (s) => (s.gan.d_steps = 0), /^gan\.d_steps: expected an integer in \[1, 100\], got 0/],
    ['latent 0', (s) => (s.gan.latent = 0), /^gan\.latent: expected an integer in \[1, 65536\], got 0/],
    ['unknown noise', (s) => (s.gan.noise = 'cauchy'), /^gan\.noise: expected one of gaussian, uniform/],
    ['no generator', (s) => delete s.gan.generator, /^gan\.generator: expected an object, got nothing/],
    ['unknown gan field', (s) => (s.gan.lambda = 10), /^gan\.lambda: expected no such field \(allowed: latent, noise, generator/],
    ['classifier data', (s) => (s.data.name = 'xor'), /^data\.name: expected one of ring, grid, line, moons, spiral, got "xor"/],
    ['bad optimizer_d', (s) => (s.optimizer_d = { type: 'adam', lr: 0 }), /^optimizer_d\.lr: expected a number in \(0, 1000000\]/],
    ['bad clip_g', (s) => (s.clip_g = { global_norm: -1 }), /^clip_g\.global_norm: expected a number in \(0/],
    ['a loss field', (s) => (s.loss = 'mse'), /^spec\.loss: expected no such field/],
    ['negative freeze', (s) => (s.gan.freeze_generator_after = -1), /^gan\.freeze_generator_after: expected an integer in \[0, 10000000\], got -1/],
  ];
  it.each(bad)('%s', (_, edit, message) => {
    const s = clone();
    edit(s);
    expect(() => parseGanSpec(s)).toThrow(SpecError);
    expect(() => parseGanSpec(s)).toThrow(message);
  });

  it('refuses a model beside gan, and parses a plain spec as before', () => {
    expect(() => parseRunSpec({ ...clone(), model: { input: 2, layers: [] } })).toThrow(/^model: expected no model beside gan/);
    expect(parseRunSpec({ model: { input: 2, layers: [{ type: 'dense', units: 2 }] } })).toMatchObject({ loss: 'cross_entropy' });
  });
});

describe('GAN target data', () => {
  it.each(GAN_DATASETS)('%s is seeded and sized, 2-D and finite', (name) => {
    const spec = { name, samples: 500, noise: 0.05 };
    const a = makeGanDataset(spec, 3);
    expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(makeGanDataset(spec, 3).train.x.buffer))).toBe(true);
    expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(makeGanDataset(spec, 4).train.x.buffer))).toBe(false);
    expect(a.features).toBe(2);
    expect(a.train.n).toBe(500);
    expect(a.train.x.every(Number.isFinite)).toBe(true);
  });

  it('ring and grid: every sample near its own mode, every mode used; the data itself covers all modes', () => {
    for (const [name, modes] of [['ring', 8], ['grid', 25]] as const) {
      const spec = { name, samples: 5000, noise: 0.05 };
      const d = makeGanDataset(spec, 1);
      const c = modeCentres(name);
      expect(c.length).toBe(modes);
      const used = new Set(d.train.labels);
      expect(used.size).toBe(modes);
      for (let i = 0; i < d.train.n; i++) {
        const [cx, cy] = c[d.train.labels[i]];
        expect(Math.hypot(d.train.x[2 * i] - cx, d.train.x[2 * i + 1] - cy)).toBeLessThan(6 * 0.05);
      }
      const cov = coverage(d.train.x, spec);
      expect(cov.modesHit).toBe(modes);
      expect(cov.highQuality).toBeGreaterThan(0.98); // 3σ of a 2-D Gaussian holds 98.9%
    }
  });

  it('coverage: samples collapsed on one mode hit one; samples at the origin are not high quality', () => {
    const spec = { name: 'ring' as const, samples: 100, noise: 0.05 };
    const collapsed = Float32Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 2 : 0));
    expect(coverage(collapsed, spec)).toMatchObject({ modesHit: 1, highQuality: 1, modes: 8 });
    expect(coverage(new Float32Array(1000), spec)).toMatchObject({ modesHit: 0, highQuality: 0 });
  });
});
