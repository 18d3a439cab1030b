// A GAN run spec: `gan` in place of `model`, two networks and how they are played against each
// other. Validated up front with spec.ts's field parsers and SpecError vocabulary; each network
// becomes a ModelInfo of its own under its PyTorch prefix (generator.layers.i.*,
// discriminator.layers.i.*), so checkpoints load into a torch module with attributes
// `generator` and `discriminator`, each with `layers` an nn.Sequential.
import { describeModel, lastWidth, type ModelInfo } from '../model';
import {
  F, isRecurrent, object, parseClip, specObject, parseLayers, parseOptimizer, parseSpec, readAll, SPEC_LIMITS, SpecError,
  type Field, type LayerSpec, type OptimizerSpec, type Spec,
} from '../spec';

export const GENERATOR_LOSSES = ['saturating', 'non_saturating', 'least_squares'] as const;
export type GeneratorLoss = (typeof GENERATOR_LOSSES)[number];
export const NOISES = ['gaussian', 'uniform'] as const;
/** 2-D target distributions (src/engine/gan/data.ts); all have 2 features. */
export const GAN_DATASETS = ['ring', 'grid', 'line', 'moons', 'spiral'] as const;
export type GanDatasetName = (typeof GAN_DATASETS)[number];
export const GAN_FEATURES = 2;

export interface GanDataSpec {
  name: GanDatasetName;
  samples: number;
  /** Standard deviation of each mode's Gaussian (ring, grid) or of the jitter (line, moons, spiral). */
  noise: number;
}

export interface GanSpec {
  gan: {
    /** Width of the noise z the generator maps to a sample. */
    latent: number;
    /** z ~ N(0, I) or U(−1, 1)^latent. */
    noise: (typeof NOISES)[number];
    generator: { layers: LayerSpec[] };
    /** Ends in one logit (raw output for least_squares). */
    discriminator: { layers: LayerSpec[] };
    generator_loss: GeneratorLoss;
    /** Discriminator updates per generator update. */
    d_steps: number;
    /**
     * After this many adversarial steps the generator's updates stop (its gradients are still
     * computed and logged) while D trains on: Arjovsky & Bottou's (2017) experiment.
     */
    freeze_generator_after?: number;
  };
  optimizer_g: OptimizerSpec;
  optimizer_d: OptimizerSpec;
  clip_g: Spec['clip'];
  clip_d: Spec['clip'];
  data: GanDataSpec;
  batch_size: number;
  steps: number;
  seed: number;
  log_every: number;
}

export const isGanSpec = (v: unknown): boolean => !!v && typeof v === 'object' && !Array.isArray(v) && 'gan' in v;

const NET = ['generator', 'discriminator'] as const;
export type NetName = (typeof NET)[number];

function parseNetLayers(v: unknown, path: string): LayerSpec[] {
  const layers = parseLayers(object(v, path, ['layers']).layers, `${path}.layers`, 0);
  layers.forEach((l, i) => {
    if (isRecurrent(l)) throw new SpecError(`${path}.layers[${i}].type`, 'a feed-forward layer (dense, activation, batchnorm, layernorm, dropout, residual) in a GAN', l.type);
  });
  return layers;
}

/** The rules of a GAN spec's own fields (the networks' layers and optimizers are spec.ts's). */
export const GAN_FIELDS = {
  gan: {
    latent: F.int(1, SPEC_LIMITS.maxUnits, 2), noise: F.oneOf(NOISES, 'gaussian'), generator_loss: F.oneOf(GENERATOR_LOSSES, 'non_saturating'),
    d_steps: F.int(1, 100, 1), freeze_generator_after: F.optional(F.int(0, SPEC_LIMITS.maxSteps)),
  },
  data: { name: F.oneOf(GAN_DATASETS), samples: F.int(2, SPEC_LIMITS.maxSamples, 4000), noise: F.num(0, 10, 0.05) },
  spec: { batch_size: F.int(1, SPEC_LIMITS.maxBatch, 128), steps: F.int(0, SPEC_LIMITS.maxSteps, 5000), seed: F.int(0, 2 ** 32 - 1, 0), log_every: F.int(1, 1_000_000, 10) },
} satisfies Record<string, Record<string, Field>>;

export function parseGanSpec(v: unknown): GanSpec {
  const o = specObject(v, ['gan', 'optimizer', 'optimizer_g', 'optimizer_d', 'clip', 'clip_g', 'clip_d', 'data', ...Object.keys(GAN_FIELDS.spec)]);
  const g = object(o.gan, 'gan', [...Object.keys(GAN_FIELDS.gan), 'generator', 'discriminator']);
  const gan: GanSpec['gan'] = {
    ...readAll<Omit<GanSpec['gan'], 'generator' | 'discriminator'>>(g, GAN_FIELDS.gan, 'gan'),
    generator: { layers: parseNetLayers(g.generator, 'gan.generator') },
    discriminator: { layers: parseNetLayers(g.discriminator, 'gan.discriminator') },
  };
  // Adam with β1 = 0.5, as DCGAN (Radford et al. 2016) and most GAN code since.
  const given = (k: string) => o[k] !== undefined;
  const optimizer = parseOptimizer(given('optimizer') ? o.optimizer : { type: 'adam', lr: 0.001, beta1: 0.5 }, 'optimizer');
  const clip = parseClip(given('clip') ? o.clip : {}, 'clip');
  const spec: GanSpec = {
    gan,
    optimizer_g: given('optimizer_g') ? parseOptimizer(o.optimizer_g, 'optimizer_g') : optimizer,
    optimizer_d: given('optimizer_d') ? parseOptimizer(o.optimizer_d, 'optimizer_d') : { ...optimizer },
    clip_g: given('clip_g') ? parseClip(o.clip_g, 'clip_g') : clip,
    clip_d: given('clip_d') ? parseClip(o.clip_d, 'clip_d') : { ...clip },
    data: readAll(object(given('data') ? o.data : { name: 'ring' }, 'data', Object.keys(GAN_FIELDS.data)), GAN_FIELDS.data, 'data'),
    ...readAll<Pick<GanSpec, 'batch_size' | 'steps' | 'seed' | 'log_every'>>(o, GAN_FIELDS.spec, ''),
  };
  describeGan(spec); // width mismatches are spec errors too
  return spec;
}

/** A GAN spec or a single-network spec, whichever the document is. */
export function parseRunSpec(v: unknown): Spec | GanSpec {
  if (!isGanSpec(v)) return parseSpec(v);
  if ('model' in (v as object)) throw new SpecError('model', 'no model beside gan (a GAN names its networks in gan.generator and gan.discriminator)', (v as { model: unknown }).model);
  return parseGanSpec(v);
}

/** One network of the GAN as the single-network Spec that describeModel reads. */
function netSpec(spec: GanSpec, net: NetName): Spec {
  return {
    model: { input: net === 'generator' ? spec.gan.latent : GAN_FEATURES, layers: spec.gan[net].layers },
    loss: 'mse', optimizer: net === 'generator' ? spec.optimizer_g : spec.optimizer_d, clip: net === 'generator' ? spec.clip_g : spec.clip_d,
    data: { name: 'spiral', classes: 0, samples: spec.data.samples, noise: spec.data.noise, test_fraction: 0 },
    batch_size: spec.batch_size, steps: spec.steps, seed: spec.seed, log_every: spec.log_every, eval_every: spec.log_every,
  };
}

/**
 * Both networks, each a ModelInfo under its own prefix; the generator must end at the data's
 * width (it draws samples) and the discriminator at one logit (it scores one sample).
 */
export function describeGan(spec: GanSpec): Record<NetName, ModelInfo> {
  const out = {} as Record<NetName, ModelInfo>;
  for (const net of NET) {
    const s = netSpec(spec, net);
    const want = net === 'generator' ? GAN_FEATURES : 1;
    const width = lastWidth(s);
    if (width !== want) {
      const what = net === 'generator' ? `the generator's samples have the data's ${GAN_FEATURES} features` : 'the discriminator scores each sample with one logit';
      throw new SpecError(`gan.${net}.layers`, `a last layer of width ${want} (${what})`, `width ${width}`);
    }
    out[net] = describeModel(s, want, { path: `gan.${net}.layers`, prefix: `${net}.layers` });
  }
  return out;
}
