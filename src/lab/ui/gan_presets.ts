// The GAN mode's one-click experiments, like presets.ts: each sets up runs to compare on the same
// seed and says in one sentence what to expect; tests/lab/gan_presets.test.ts holds the engine to
// every sentence on these very settings.
import { GAN_DEFAULTS, type GanSettings } from './gan_settings';

export interface GanPreset {
  name: string;
  paper: string;
  expect: string;
  runs: Partial<GanSettings>[];
}

/** A discriminator that trains faster than its generator: 5 D steps per G step at 10× the rate. */
const strongD = { dSteps: 5, dLrLog10: -2, gOptimizer: 'sgd', gLrLog10: Math.log10(0.02) } as const;
/** G starts collapsed near the origin (far from the ring) and stops after 10 steps; D trains on. */
const frozenG = { gOutputInitStd: 0.01, freezeGeneratorAfter: 10, dLrLog10: -2.5 } as const;

export const GAN_PRESETS: GanPreset[] = [
  {
    name: 'Saturating vs non-saturating generator loss',
    paper: 'Goodfellow et al. 2014',
    expect: 'With a discriminator that trains faster than its generator (5 D steps per G step at 10 times the learning rate), D soon rejects the generated samples with high confidence (D(G(z)) below 1e-3); the saturating loss log(1 − D(G(z))) then gives the generator output gradients ‖∂L_G/∂G(z)‖ two to three orders of magnitude smaller than the non-saturating −log D(G(z)) does on the same seed, and the generator (SGD with momentum, as in the paper) moves its weights about a hundred times less per step.',
    runs: [{ generatorLoss: 'saturating', ...strongD }, { generatorLoss: 'non_saturating', ...strongD }],
  },
  {
    name: 'A discriminator trained to optimality',
    paper: 'Arjovsky & Bottou 2017',
    expect: 'The generator trains for 10 steps and is then frozen while the discriminator trains on: D(G(z)) falls from about 0.5 to below 1e-3 and, under the saturating cost, the gradient reaching the generator (its output and its first layer) falls by more than two orders of magnitude; under the non-saturating cost it grows instead.',
    runs: [{ generatorLoss: 'saturating', ...frozenG }, { generatorLoss: 'non_saturating', ...frozenG }],
  },
];

export function ganPresetSettings(p: GanPreset): GanSettings[] {
  return p.runs.map((r) => ({ ...GAN_DEFAULTS, ...r }));
}
