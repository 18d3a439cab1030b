// A GAN run spec: `gan` in place of `model`, two networks and how they are played against each
// other. Validated up front with spec.ts's field parsers and SpecError vocabulary; each network
// becomes a ModelInfo of its own under its PyTorch prefix (generator.layers.i.*,
// discriminator.layers.i.*), so checkpoints load into a torch module with attributes
// `generator` and `discriminator`, each with `layers` an nn.Sequential.
import { describeModel, lastWidth, type ModelInfo } from '../model';
import {
  int, isRecurrent, num, object, oneOf, parseClip, parseLayers, parseOptimizer, parseSpec, SPEC_LIMITS, SpecError,
  type LayerSpec, type OptimizerSpec, type Spec,
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

export function parseGanSpec(v: unknown): GanSpec {
  const o = object(v, 'spec', ['gan', 'optimizer', 'optimizer_g', 'optimizer_d', 'clip', 'clip_g', 'clip_d', 'data', 'batch_size', 'steps', 'seed', 'log_every']);
  const g = object(o.gan, 'gan', ['latent', 'noise', 'generator', 'discriminator', 'generator_loss', 'd_steps', 'freeze_generator_after']);
  const gan: GanSpec['gan'] = {
    latent: int(g.latent, 'gan.latent', 1, SPEC_LIMITS.maxUnits, 2),
    noise: oneOf(g.noise, 'gan.noise', NOISES, 'gaussian'),
    generator: { layers: parseNetLayers(g.generator, 'gan.generator') },
    discriminator: { layers: parseNetLayers(g.discriminator, 'gan.discriminator') },
    generator_loss: oneOf(g.generator_loss, 'gan.generator_loss', GENERATOR_LOSSES, 'non_saturating'),
    d_steps: int(g.d_steps, 'gan.d_steps', 1, 100, 1),
  };
  if (g.freeze_generator_after !== undefined) gan.freeze_generator_after = int(g.freeze_generator_after, 'gan.freeze_generator_after', 0, SPEC_LIMITS.maxSteps);
  // Adam with β1 = 0.5, as DCGAN (Radford et al. 2016) and most GAN code since.
  const optimizer = parseOptimizer(o.optimizer ?? { type: 'adam', lr: 0.001, beta1: 0.5 }, 'optimizer');
  const clip = parseClip(o.clip ?? {}, 'clip');
  const d = object(o.data ?? { name: 'ring' }, 'data', ['name', 'samples', 'noise']);
  const spec: GanSpec = {
    gan,
    optimizer_g: o.optimizer_g === undefined ? optimizer : parseOptimizer(o.optimizer_g, 'optimizer_g'),
    optimizer_d: o.optimizer_d === undefined ? { ...optimizer } : parseOptimizer(o.optimizer_d, 'optimizer_d'),
    clip_g: o.clip_g === undefined ? clip : parseClip(o.clip_g, 'clip_g'),
    clip_d: o.clip_d === undefined ? { ...clip } : parseClip(o.clip_d, 'clip_d'),
    data: {
      name: oneOf(d.name, 'data.name', GAN_DATASETS),
      samples: int(d.samples, 'data.samples', 2, SPEC_LIMITS.maxSamples, 4000),
      noise: num(d.noise, 'data.noise', 0, 10, 0.05),
    },
    batch_size: int(o.batch_size, 'batch_size', 1, SPEC_LIMITS.maxBatch, 128),
    steps: int(o.steps, 'steps', 0, SPEC_LIMITS.maxSteps, 5000),
    seed: int(o.seed, 'seed', 0, 2 ** 32 - 1, 0),
    log_every: int(o.log_every, 'log_every', 1, 1_000_000, 10),
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
