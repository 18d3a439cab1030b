// The lab's settings: one plain object per run, the one function that turns it into a run spec
// (validated by parseSpec like any other), its URL form and its experiment-file form. Settings
// from a URL or a file are untrusted: every field is checked against its allowed values (one
// sanitize for both), nothing is evaluated or inserted as markup.
import { ACTIVATIONS, type Activation } from '../../kernels/activation_ids';
import { ownFromJson, ownToJson, type OwnData } from '../../engine/own_data';
import { INITIALISERS, isSequenceData, parseSpec, SpecError, type Initialiser, type Spec } from '../../engine/spec';

/** `own`: the points drawn or the CSV loaded in the side column (the page holds them, src/engine/own_data.ts). */
export const LAB_DATASETS = ['spiral', 'moons', 'circles', 'xor', 'blobs', 'checkerboard', 'fashion_mnist', 'adding', 'memory', 'temporal_order', 'own'] as const;
/** Recurrent cells for the sequence tasks (rnn: tanh; rnn_relu: ReLU, as in IRNN). */
export const CELLS = ['rnn', 'rnn_relu', 'lstm', 'gru'] as const;
export const RECURRENT_INITS_LAB = ['default', 'orthogonal', 'identity'] as const;
/**
 * Normalisation of each hidden block: batch or layer norm after its dense layer, or weight norm of
 * that dense layer (Salimans & Kingma 2016), with g = ‖v‖ (`weight`) or the paper's data-dependent
 * init (`weight_data`).
 */
export const NORMS = ['none', 'batch', 'layer', 'weight', 'weight_data'] as const;
export const LAB_OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop'] as const;

export interface Settings {
  dataset: (typeof LAB_DATASETS)[number];
  depth: number;
  width: number;
  activation: Activation;
  init: Initialiser;
  /** std of the `normal` initialiser (exploding-gradient experiments) */
  initStd: number;
  norm: (typeof NORMS)[number];
  residual: boolean;
  optimizer: (typeof LAB_OPTIMIZERS)[number];
  /** log10 of the learning rate (the slider is logarithmic) */
  lrLog10: number;
  batch: number;
  /** global-norm clipping threshold; 0 = off */
  clip: number;
  seed: number;
  /** sequence tasks: the recurrent cell, its weight_hh init, spectral radius (0: the init's own), T */
  cell: (typeof CELLS)[number];
  recurrentInit: (typeof RECURRENT_INITS_LAB)[number];
  spectralRadius: number;
  seqLen: number;
}

export const DEFAULTS: Settings = {
  dataset: 'spiral', depth: 10, width: 32, activation: 'tanh', init: 'glorot_uniform', initStd: 1, norm: 'none', residual: false,
  optimizer: 'adam', lrLog10: -2.5, batch: 64, clip: 0, seed: 1,
  cell: 'lstm', recurrentInit: 'default', spectralRadius: 0, seqLen: 50,
};

export const LIMITS = {
  depth: [1, 60], width: [2, 256], lrLog10: [-5, 0], batch: [1, 512], clip: [0, 100], seed: [0, 1_000_000], initStd: [0.001, 10],
  spectralRadius: [0, 3], seqLen: [2, 1000],
} as const;

const CLASSES: Record<Settings['dataset'], number> = {
  spiral: 3, moons: 2, circles: 2, xor: 2, blobs: 4, checkerboard: 2, fashion_mnist: 10, adding: 1, memory: 4, temporal_order: 4, own: 0, // own: from the data
};

/** Settings that mean something for this data set (the rest are hidden in the controls). */
export function relevant(s: Settings, key: keyof Settings): boolean {
  const sequence = isSequenceData(s.dataset);
  if (['cell', 'recurrentInit', 'spectralRadius', 'seqLen'].includes(key)) return sequence;
  if (['depth', 'activation', 'init', 'norm', 'residual'].includes(key)) return !sequence;
  if (key === 'initStd') return !sequence && s.init === 'normal';
  return true;
}

/** A sequence task: one recurrent layer reading [batch, T, features], then a dense read-out. */
function sequenceSpec(s: Settings): Spec {
  const cell = s.cell === 'rnn_relu' ? 'rnn' : s.cell;
  const recurrent: Record<string, unknown> = { type: cell, units: s.width, init: s.recurrentInit };
  if (s.cell === 'rnn_relu') recurrent.nonlinearity = 'relu';
  if (s.spectralRadius > 0) recurrent.spectral_radius = s.spectralRadius;
  if (cell === 'lstm') recurrent.forget_bias = 1;
  const regression = s.dataset === 'adding';
  const features = s.dataset === 'adding' ? 2 : s.dataset === 'memory' ? CLASSES.memory + 1 : 6;
  return parseSpec({
    model: { input: features, layers: [recurrent, { type: 'dense', units: CLASSES[s.dataset], init: 'glorot_uniform' }] },
    loss: regression ? 'mse' : 'cross_entropy',
    optimizer: s.optimizer === 'momentum' ? { type: 'sgd', lr: 10 ** s.lrLog10, momentum: 0.9 } : { type: s.optimizer, lr: 10 ** s.lrLog10 },
    clip: s.clip > 0 ? { global_norm: s.clip } : {},
    data: { name: s.dataset, classes: CLASSES[s.dataset] === 1 ? 2 : CLASSES[s.dataset], samples: 4000, seq_len: s.seqLen },
    batch_size: s.batch,
    steps: 1_000_000,
    seed: s.seed,
    log_every: 5,
  });
}

/** The one place lab settings become a run spec; `own` gives the shape of the own data set. */
export function settingsToSpec(s: Settings, own?: Pick<OwnData, 'features' | 'classes' | 'labels'> | null): Spec {
  if (isSequenceData(s.dataset)) return sequenceSpec(s);
  if (s.dataset === 'own' && !own) throw new SpecError('data', 'own data: points drawn or a CSV loaded under "Your own data"', undefined);
  const fashion = s.dataset === 'fashion_mnist';
  const input = own && s.dataset === 'own' ? own.features : fashion ? 784 : 2;
  const classes = own && s.dataset === 'own' ? own.classes : CLASSES[s.dataset];
  const hidden = (): unknown[] => {
    const weightNorm = s.norm === 'weight' ? { weight_norm: true } : s.norm === 'weight_data' ? { weight_norm: true, weight_norm_init: 'data' } : {};
    const block: unknown[] = [{ type: 'dense', units: s.width, init: s.init, ...(s.init === 'normal' ? { std: s.initStd } : {}), ...weightNorm }];
    if (s.norm === 'batch' || s.norm === 'layer') block.push({ type: s.norm === 'batch' ? 'batchnorm' : 'layernorm' });
    block.push({ type: 'activation', fn: s.activation });
    return block;
  };
  // With residual connections, a first dense layer maps the input to the width, then each hidden
  // block is x + f(x).
  const layers: unknown[] = s.residual ? [{ type: 'dense', units: s.width, init: s.init === 'normal' ? 'glorot_uniform' : s.init }] : [];
  for (let i = 0; i < s.depth; i++) layers.push(...(s.residual ? [{ type: 'residual', layers: hidden() }] : hidden()));
  layers.push({ type: 'dense', units: classes, init: 'glorot_uniform' });
  const optimizer = s.optimizer === 'momentum' ? { type: 'sgd', lr: 10 ** s.lrLog10, momentum: 0.9 } : { type: s.optimizer, lr: 10 ** s.lrLog10 };
  return parseSpec({
    model: { input, layers },
    loss: 'cross_entropy',
    optimizer,
    clip: s.clip > 0 ? { global_norm: s.clip } : {},
    data: { name: s.dataset, classes, samples: own && s.dataset === 'own' ? own.labels.length : fashion ? 10000 : 2000, noise: 0.1 },
    batch_size: s.batch,
    steps: 1_000_000,
    seed: s.seed,
    log_every: 5,
  });
}

const ENUMS: Partial<Record<keyof Settings, readonly string[]>> = {
  dataset: LAB_DATASETS, activation: Object.keys(ACTIVATIONS), init: INITIALISERS, norm: NORMS, optimizer: LAB_OPTIMIZERS,
  cell: CELLS, recurrentInit: RECURRENT_INITS_LAB,
};
const SHORT: Record<keyof Settings, string> = {
  dataset: 'data', depth: 'depth', width: 'width', activation: 'act', init: 'init', initStd: 'std', norm: 'norm',
  residual: 'res', optimizer: 'opt', lrLog10: 'lr', batch: 'batch', clip: 'clip', seed: 'seed',
  cell: 'cell', recurrentInit: 'rinit', spectralRadius: 'radius', seqLen: 'T',
};

/** Checks untrusted values field by field; returns the settings and a list of rejected fields. */
export function sanitize(raw: Record<string, unknown>): { settings: Settings; rejected: string[] } {
  const s: Settings = { ...DEFAULTS };
  const rejected: string[] = [];
  for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
    const v = raw[key];
    if (v === undefined) continue;
    const allowed = ENUMS[key];
    if (allowed) {
      if (typeof v === 'string' && allowed.includes(v)) (s as unknown as Record<string, unknown>)[key] = v;
      else rejected.push(key);
    } else if (key === 'residual') {
      if (v === true || v === 'true' || v === '1') s.residual = true;
      else if (v === false || v === 'false' || v === '0') s.residual = false;
      else rejected.push(key);
    } else {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v) ? Number(v) : NaN;
      const [lo, hi] = LIMITS[key as keyof typeof LIMITS];
      const integer = key === 'depth' || key === 'width' || key === 'batch' || key === 'seed' || key === 'seqLen';
      if (Number.isFinite(n) && n >= lo && n <= hi && (!integer || Number.isInteger(n))) (s as unknown as Record<string, number>)[key] = n;
      else rejected.push(key);
    }
  }
  return { settings: s, rejected };
}

/** URL form of several runs: ?runs=2&data=spiral&act=tanh&b.act=relu (run i>0 prefixed a., b., ...). */
export function settingsToQuery(runs: Settings[]): string {
  const q = new URLSearchParams();
  if (runs.length > 1) q.set('runs', String(runs.length));
  runs.forEach((s, i) => {
    const prefix = i === 0 ? '' : `${String.fromCharCode(97 + i)}.`;
    for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
      if (i === 0 ? s[key] !== DEFAULTS[key] : s[key] !== runs[0][key]) q.set(prefix + SHORT[key], String(s[key]));
    }
  });
  return q.toString();
}

export function queryToSettings(query: string): { runs: Settings[]; rejected: string[] } {
  const q = new URLSearchParams(query);
  const runs: Settings[] = [];
  const rejected: string[] = [];
  const runsRaw = q.get('runs');
  if (runsRaw !== null && !/^[1-4]$/.test(runsRaw)) rejected.push('runs');
  const count = runsRaw !== null && /^[1-4]$/.test(runsRaw) ? Number(runsRaw) : 1;
  for (let i = 0; i < count; i++) {
    const prefix = i === 0 ? '' : `${String.fromCharCode(97 + i)}.`;
    const raw: Record<string, unknown> = i === 0 ? {} : { ...runs[0] };
    for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
      const v = q.get(prefix + SHORT[key]);
      if (v !== null) raw[key] = v;
    }
    const r = sanitize(raw);
    runs.push(r.settings);
    rejected.push(...r.rejected.map((k) => `${prefix}${SHORT[k as keyof Settings]}`));
  }
  return { runs, rejected };
}

/** The lab's experiment file: every run's settings, as "Save experiment" writes them, and the own data when a run uses it. */
export function settingsToFile(runs: Settings[], own?: OwnData | null): string {
  const head = JSON.stringify({ gradscope: 'lab-experiment', version: 1, runs }, null, 2);
  if (!own || !runs.some((r) => r.dataset === 'own')) return head + '\n';
  const { rows, ...names } = ownToJson(own); // one row a line: readable, and diffs stay small
  const fields = Object.entries(names).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`).join('');
  return `${head.slice(0, -2)},\n  "data": {\n${fields}    "rows": [\n${rows.map((r) => `      ${JSON.stringify(r)}`).join(',\n')}\n    ]\n  }\n}\n`;
}

/**
 * Settings from an experiment file, checked like the URL's: the file must be JSON with a `runs`
 * list of one to four objects, and every field goes through sanitize. Throws a one-line error
 * naming what is wrong with the file as a whole; a bad field is listed in `rejected` (as
 * runs[i].field) and keeps its default.
 */
export function fileToSettings(text: string): { runs: Settings[]; rejected: string[]; own: OwnData | null } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  const runsRaw = (json as { runs?: unknown } | null)?.runs;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || (json as { gradscope?: unknown }).gradscope !== 'lab-experiment') {
    throw new Error('not a gradscope lab experiment (expected an object with "gradscope": "lab-experiment")');
  }
  if (!Array.isArray(runsRaw) || runsRaw.length < 1 || runsRaw.length > 4) throw new Error('runs: expected a list of 1 to 4 runs');
  const runs: Settings[] = [];
  const rejected: string[] = [];
  runsRaw.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`runs[${i}]: expected an object of settings`);
    const r = sanitize(raw as Record<string, unknown>);
    runs.push(r.settings);
    rejected.push(...r.rejected.map((k) => `runs[${i}].${k}`));
    for (const key of Object.keys(raw)) if (!Object.hasOwn(DEFAULTS, key)) rejected.push(`runs[${i}].${key.slice(0, 40)} (unknown)`);
  });
  // Own data is checked as a whole: a bad row refuses the file (nothing half-loaded).
  const data = (json as { data?: unknown }).data;
  const own = data === undefined ? null : ownFromJson(data, 'data');
  if (!own && runs.some((r) => r.dataset === 'own')) throw new Error('data: expected the own data set the runs train on, got nothing');
  return { runs, rejected, own };
}
