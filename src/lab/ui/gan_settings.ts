// The lab's GAN mode settings: one flat object per run (what the controls edit), turned into a
// validated GanSpec by ganSettingsToSpec, the only way the lab builds a GAN. Both networks are
// `depth` hidden layers of `width` units with an activation, then the output layer (2 units for
// G, one logit for D). The URL holds them (?mode=gan&runs=2&generatorLoss=saturating&b.dSteps=5):
// untrusted text, checked field by field against GAN_LIMITS and the enumerations; a bad field is
// named and keeps its default.
import { ACTIVATIONS, type Activation } from '../../kernels/activation_ids';
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

/** Ranges of the numeric settings (the controls' sliders use the same). */
export const GAN_LIMITS = {
  dSteps: [1, 20], dataNoise: [0.01, 0.5], latent: [1, 16], gDepth: [1, 8], gWidth: [4, 256], dDepth: [1, 8], dWidth: [4, 256],
  gLrLog10: [-5, -0.5], dLrLog10: [-5, -0.5], gOutputInitStd: [0, 1], freezeGeneratorAfter: [0, 5000], batch: [8, 512], seed: [0, 9999],
} as const satisfies Partial<Record<keyof GanSettings, readonly [number, number]>>;
const INTEGERS: (keyof GanSettings)[] = ['dSteps', 'latent', 'gDepth', 'gWidth', 'dDepth', 'dWidth', 'freezeGeneratorAfter', 'batch', 'seed'];
const ENUMS: Partial<Record<keyof GanSettings, readonly string[]>> = {
  generatorLoss: GENERATOR_LOSSES, data: GAN_DATASETS, noise: ['gaussian', 'uniform'], gOptimizer: ['adam', 'sgd'],
  gActivation: Object.keys(ACTIVATIONS), dActivation: Object.keys(ACTIVATIONS),
};

/** Checks untrusted values field by field: the settings, and the fields that were refused. */
export function sanitizeGan(raw: Record<string, unknown>): { settings: GanSettings; rejected: string[] } {
  const s: Record<string, unknown> = { ...GAN_DEFAULTS };
  const rejected: string[] = [];
  for (const key of Object.keys(GAN_DEFAULTS) as (keyof GanSettings)[]) {
    const v = raw[key];
    if (v === undefined) continue;
    const allowed = ENUMS[key];
    if (allowed) {
      if (typeof v === 'string' && allowed.includes(v)) s[key] = v;
      else rejected.push(key);
      continue;
    }
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v) ? Number(v) : NaN;
    const [lo, hi] = GAN_LIMITS[key as keyof typeof GAN_LIMITS];
    if (Number.isFinite(n) && n >= lo && n <= hi && (!INTEGERS.includes(key) || Number.isInteger(n))) s[key] = n;
    else rejected.push(key);
  }
  return { settings: s as unknown as GanSettings, rejected };
}

/** URL form of the runs: fields that differ from the defaults (run 0) or from run 0 (b., c., d.). */
export function ganSettingsToQuery(runs: GanSettings[]): string {
  const q = new URLSearchParams({ mode: 'gan' });
  if (runs.length > 1) q.set('runs', String(runs.length));
  runs.forEach((s, i) => {
    const prefix = i === 0 ? '' : `${String.fromCharCode(97 + i)}.`;
    for (const key of Object.keys(GAN_DEFAULTS) as (keyof GanSettings)[]) {
      if (s[key] !== (i === 0 ? GAN_DEFAULTS : runs[0])[key]) q.set(prefix + key, String(s[key]));
    }
  });
  return q.toString();
}

export function ganQueryToSettings(query: string): { runs: GanSettings[]; rejected: string[] } {
  const q = new URLSearchParams(query);
  const runsRaw = q.get('runs');
  const rejected: string[] = runsRaw !== null && !/^[1-4]$/.test(runsRaw) ? ['runs'] : [];
  const count = runsRaw !== null && /^[1-4]$/.test(runsRaw) ? Number(runsRaw) : 1;
  const runs: GanSettings[] = [];
  for (let i = 0; i < count; i++) {
    const prefix = i === 0 ? '' : `${String.fromCharCode(97 + i)}.`;
    const raw: Record<string, unknown> = i === 0 ? {} : { ...runs[0] };
    for (const key of Object.keys(GAN_DEFAULTS)) {
      const v = q.get(prefix + key);
      if (v !== null) raw[key] = v;
    }
    const r = sanitizeGan(raw);
    runs.push(r.settings);
    rejected.push(...r.rejected.map((k) => prefix + k));
  }
  return { runs, rejected };
}

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
