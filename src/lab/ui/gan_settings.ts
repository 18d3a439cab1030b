// The lab's GAN mode settings: one flat object per run (what the controls edit), turned into a
// validated GanSpec by ganSettingsToSpec, the only way the lab builds a GAN. Both networks are
// `depth` hidden layers of `width` units with an activation, then the output layer (2 units for
// G, one logit for D).
import type { Activation } from '../../kernels/activation_ids';
import { GAN_DATASETS, GENERATOR_LOSSES, parseGanSpec, type GanSpec } from '../../engine/gan/spec';

export interface GanSettings {
  generatorLoss: (typeof GENERATOR_LOSSES)[number];
  dSteps: number;
  data: (typeof GAN_DATASETS)[number];
  /** Std of each mode's Gaussian (ring, grid) or of the jitter. */
  dataNoise: number;
  noise: 'gaussian' | 'uniform';
  latent: number;
  gDepth: number;
  gWidth: number;
  gActivation: Activation;
  dDepth: number;
  dWidth: number;
  dActivation: Activation;
  gOptimizer: 'adam' | 'sgd';
  gLrLog10: number;
  dLrLog10: number;
  /**
   * Std of G's output layer's N(0, std²) init; 0: Glorot. A small one starts G collapsed near
   * the origin, far from the data: a poor generator, as early in training.
   */
  gOutputInitStd: number;
  /** Stop G's updates after this many steps (0: never). */
  freezeGeneratorAfter: number;
  batch: number;
  seed: number;
}

export const GAN_DEFAULTS: GanSettings = {
  generatorLoss: 'non_saturating', dSteps: 1, data: 'ring', dataNoise: 0.05, noise: 'gaussian', latent: 2,
  gDepth: 2, gWidth: 64, gActivation: 'relu', dDepth: 2, dWidth: 64, dActivation: 'leaky_relu',
  gOptimizer: 'adam', gLrLog10: -3, dLrLog10: -3, gOutputInitStd: 0, freezeGeneratorAfter: 0, batch: 64, seed: 1,
};

const mlp = (depth: number, width: number, fn: Activation, out: number, outInit: Record<string, unknown> = {}) => ({
  layers: [
    ...Array.from({ length: depth }, () => [{ type: 'dense', units: width }, { type: 'activation', fn }]).flat(),
    { type: 'dense', units: out, ...outInit },
  ],
});

const adam = (lrLog10: number) => ({ type: 'adam', lr: 10 ** lrLog10, beta1: 0.5 });

export function ganSettingsToSpec(s: GanSettings): GanSpec {
  return parseGanSpec({
    gan: {
      latent: s.latent, noise: s.noise, generator_loss: s.generatorLoss, d_steps: s.dSteps,
      generator: mlp(s.gDepth, s.gWidth, s.gActivation, 2, s.gOutputInitStd > 0 ? { init: 'normal', std: s.gOutputInitStd } : {}),
      discriminator: mlp(s.dDepth, s.dWidth, s.dActivation, 1),
      ...(s.freezeGeneratorAfter > 0 ? { freeze_generator_after: s.freezeGeneratorAfter } : {}),
    },
    optimizer_g: s.gOptimizer === 'sgd' ? { type: 'sgd', lr: 10 ** s.gLrLog10, momentum: 0.9 } : adam(s.gLrLog10),
    optimizer_d: adam(s.dLrLog10),
    data: { name: s.data, samples: 4000, noise: s.dataNoise },
    batch_size: s.batch, steps: 1_000_000, seed: s.seed, log_every: 10,
  });
}
