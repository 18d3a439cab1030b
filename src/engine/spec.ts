// The run spec: a JSON document describing model, loss, optimizer, clipping, data and schedule.
// parseSpec validates everything up front and throws one SpecError naming the field's path and
// what was expected; nothing is built from a spec that did not pass. The field parsers are
// exported for the GAN spec (gan/spec.ts), which speaks the same vocabulary.
import { ACTIVATIONS, isActivation, type Activation } from '../kernels/activation_ids';

export const INITIALISERS = [
  'zeros', 'normal', 'uniform', 'standard', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal',
  'lecun_uniform', 'lecun_normal', 'orthogonal', 'identity',
] as const;
export type Initialiser = (typeof INITIALISERS)[number];
export const LOSSES = ['cross_entropy', 'mse', 'bce_with_logits'] as const;
export type Loss = (typeof LOSSES)[number];
export const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop'] as const;
/** `own`: rows that come with the run (drawn or a CSV in the lab: src/engine/own_data.ts), not generated. */
export const DATASETS = ['spiral', 'moons', 'circles', 'xor', 'blobs', 'checkerboard', 'regression', 'fashion_mnist', 'adding', 'memory', 'temporal_order', 'own'] as const;
/** Seeded sequence tasks (src/engine/sequences.ts): inputs [batch, seq_len, features]. */
export const SEQUENCE_DATASETS = ['adding', 'memory', 'temporal_order'] as const;
export const isSequenceData = (name: string) => (SEQUENCE_DATASETS as readonly string[]).includes(name);
/**
 * Initialisers of a recurrent layer's weight_hh_l0 (weight_ih_l0 and the biases always get
 * PyTorch's U(±1/√H)): `default` U(±1/√H) as PyTorch, `orthogonal` per gate block, `identity`
 * (IRNN, Le et al. 2015) per gate block.
 */
export const RECURRENT_INITS = ['default', 'orthogonal', 'identity'] as const;
export type RecurrentInit = (typeof RECURRENT_INITS)[number];
export type DatasetName = (typeof DATASETS)[number];

/** Limits that keep a spec from asking for something absurd before any device limit applies. */
export const SPEC_LIMITS = { maxLayers: 1000, maxUnits: 65536, maxBatch: 65536, maxSteps: 10_000_000, maxSamples: 1_000_000 };

export interface InitSpec { init: Initialiser; std?: number; limit?: number; gain?: number }
/**
 * Weight normalisation of a dense layer (Salimans & Kingma 2016; torch.nn.utils.weight_norm, dim
 * 0): w = g·v/‖v‖ per output row, parameters weight_g [out, 1] and weight_v [out, in]. v comes from
 * the initialiser and g = ‖v‖ (w starts as the plain layer's); `weight_norm_init: "data"` instead
 * sets g and the bias from one batch (src/engine/weight_norm_init.ts). Both fields are set only on
 * weight-normalised layers.
 */
export interface WeightNormSpec { weight_norm?: true; weight_norm_init?: 'data' }
export type LayerSpec =
  | ({ type: 'dense'; units: number; bias: boolean } & InitSpec & WeightNormSpec)
  | { type: 'activation'; fn: Activation }
  | { type: 'batchnorm' }
  | { type: 'layernorm' }
  | { type: 'dropout'; p: number }
  | { type: 'residual'; layers: LayerSpec[] }
  | RecurrentSpec;

/**
 * A recurrent layer (PyTorch nn.RNN / nn.LSTM / nn.GRU, one layer, batch_first) over [batch, T,
 * features] flattened to [batch, T·features]; output [batch, T·units] with return_sequences, else
 * the last step's [batch, units]. `spectral_radius` rescales each gate block of weight_hh_l0 to
 * that spectral radius after its initialiser; LSTM `forget_bias` sets the forget gate's bias_ih_l0
 * block (bias_hh_l0's is then 0) so the gate starts open.
 */
export interface RecurrentSpec {
  type: 'rnn' | 'lstm' | 'gru';
  units: number;
  return_sequences: boolean;
  /** rnn only; lstm and gru are always tanh */
  nonlinearity: 'tanh' | 'relu';
  init: RecurrentInit;
  spectral_radius?: number;
  forget_bias?: number;
}
export const isRecurrent = (l: LayerSpec): l is RecurrentSpec => l.type === 'rnn' || l.type === 'lstm' || l.type === 'gru';

export type OptimizerSpec =
  | { type: 'sgd'; lr: number; momentum: number; nesterov: boolean; weight_decay: number }
  | { type: 'adam' | 'adamw'; lr: number; beta1: number; beta2: number; eps: number; weight_decay: number }
  | { type: 'rmsprop'; lr: number; alpha: number; eps: number; momentum: number; weight_decay: number };

export interface DataSpec {
  name: DatasetName; classes: number; samples: number; noise: number; test_fraction: number;
  /** Sequence length T of the sequence tasks (set only for them). */
  seq_len?: number;
}

export interface Spec {
  /**
   * `input`: features per row, or per time step when the model has recurrent layers; `seq_len`:
   * the time steps T of such a model (the sequence tasks set it from data.seq_len).
   */
  model: { input: number; seq_len?: number; layers: LayerSpec[] };
  loss: Loss;
  optimizer: OptimizerSpec;
  clip: { global_norm?: number; value?: number };
  data: DataSpec;
  batch_size: number;
  steps: number;
  seed: number;
  /** Diagnostics and loss are read back every `log_every` steps (through a staging ring). */
  log_every: number;
  eval_every: number;
}

export class SpecError extends Error {
  override name = 'SpecError';
  constructor(readonly path: string, readonly expected: string, got: unknown) {
    super(`${path}: expected ${expected}, got ${describe(got)}`);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
}

export type Obj = Record<string, unknown>;
export function object(v: unknown, path: string, allowed: readonly string[]): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SpecError(path, 'an object', v);
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) throw new SpecError(`${path}.${key}`, `no such field (allowed: ${allowed.join(', ')})`, (v as Obj)[key]);
  }
  return v as Obj;
}
export function int(v: unknown, path: string, min: number, max: number, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new SpecError(path, `an integer in [${min}, ${max}]`, v);
  return v;
}
export function num(v: unknown, path: string, min: number, max: number, fallback?: number, exclusiveMin = false, exclusiveMax = false): number {
  if (v === undefined && fallback !== undefined) return fallback;
  const below = exclusiveMin ? (x: number) => x <= min : (x: number) => x < min;
  const above = exclusiveMax ? (x: number) => x >= max : (x: number) => x > max;
  if (typeof v !== 'number' || !Number.isFinite(v) || below(v) || above(v)) {
    throw new SpecError(path, `a number in ${exclusiveMin ? '(' : '['}${min}, ${max}${exclusiveMax ? ')' : ']'}`, v);
  }
  return v;
}
export function bool(v: unknown, path: string, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new SpecError(path, 'true or false', v);
  return v;
}
export function oneOf<T extends string>(v: unknown, path: string, options: readonly T[], fallback?: T): T {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !options.includes(v as T)) throw new SpecError(path, `one of ${options.join(', ')}`, v);
  return v as T;
}

/**
 * A field's rule, stated once: the validator reads it (`read`) and the JSON Schema is written from
 * it (src/engine/spec_schema.ts), so the two cannot disagree on a range, a default or an option.
 */
export type Field = (
  | { kind: 'int'; min: number; max: number; fallback?: number }
  | { kind: 'num'; min: number; max: number; fallback?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { kind: 'bool'; fallback: boolean }
  | { kind: 'enum'; options: readonly string[]; fallback?: string }
) & { /** may be left out although it has no default */ optional?: boolean };
export const F = {
  int: (min: number, max: number, fallback?: number): Field => ({ kind: 'int', min, max, fallback }),
  num: (min: number, max: number, fallback?: number, exclusiveMin = false, exclusiveMax = false): Field => ({ kind: 'num', min, max, fallback, exclusiveMin, exclusiveMax }),
  bool: (fallback: boolean): Field => ({ kind: 'bool', fallback }),
  oneOf: (options: readonly string[], fallback?: string): Field => ({ kind: 'enum', options, fallback }),
  optional: (f: Field): Field => ({ ...f, optional: true }),
};
/** Reads o[key] by its rule; `path` is the object's path. */
export function read(o: Obj, key: string, f: Field, path: string): any {
  const at = path ? `${path}.${key}` : key;
  switch (f.kind) {
    case 'int': return int(o[key], at, f.min, f.max, f.fallback);
    case 'num': return num(o[key], at, f.min, f.max, f.fallback, f.exclusiveMin, f.exclusiveMax);
    case 'bool': return bool(o[key], at, f.fallback);
    case 'enum': return oneOf(o[key], at, f.options, f.fallback);
  }
}
/** Every field of an object of this table that is given or has a default. */
export function readAll<T>(o: Obj, table: Record<string, Field>, path: string): T {
  const out: Obj = {};
  for (const [key, f] of Object.entries(table)) {
    if (o[key] === undefined && f.optional) continue;
    out[key] = read(o, key, f, path);
  }
  return out as T;
}

/** The rules of every field, by the object they belong to. */
export const FIELDS = {
  spec: {
    loss: F.oneOf(LOSSES, 'cross_entropy'), batch_size: F.int(1, SPEC_LIMITS.maxBatch, 64), steps: F.int(0, SPEC_LIMITS.maxSteps, 1000),
    seed: F.int(0, 2 ** 32 - 1, 0), log_every: F.int(1, 1_000_000, 10), eval_every: F.int(1, 10_000_000, 100),
  },
  model: { input: F.int(1, SPEC_LIMITS.maxUnits), seq_len: F.optional(F.int(1, 10_000)) },
  dense: {
    units: F.int(1, SPEC_LIMITS.maxUnits), init: F.oneOf(INITIALISERS, 'glorot_uniform'), bias: F.bool(true),
    std: F.num(0, 1e3, 0.01), limit: F.num(0, 1e3, 0.05), gain: F.num(0, 1e3, 1),
    weight_norm: F.bool(false), weight_norm_init: F.oneOf(['norm', 'data'], 'norm'),
  },
  activation: { fn: F.oneOf(Object.keys(ACTIVATIONS)) },
  dropout: { p: F.num(0, 1, 0.5, false, true) },
  recurrent: {
    units: F.int(1, 4096), return_sequences: F.bool(false), nonlinearity: F.oneOf(['tanh', 'relu'], 'tanh'),
    init: F.oneOf(RECURRENT_INITS, 'default'), spectral_radius: F.optional(F.num(0, 100, undefined, true)), forget_bias: F.optional(F.num(-100, 100)),
  },
  sgd: { lr: F.num(0, 1e6, undefined, true), momentum: F.num(0, 1, 0), nesterov: F.bool(false), weight_decay: F.num(0, 1e3, 0) },
  rmsprop: { lr: F.num(0, 1e6, undefined, true), alpha: F.num(0, 1, 0.99), eps: F.num(0, 1, 1e-8, true), momentum: F.num(0, 1, 0), weight_decay: F.num(0, 1e3, 0) },
  adam: { lr: F.num(0, 1e6, undefined, true), beta1: F.num(0, 1, 0.9), beta2: F.num(0, 1, 0.999), eps: F.num(0, 1, 1e-8, true), weight_decay: F.num(0, 1e3, 0) },
  clip: { global_norm: F.optional(F.num(0, 1e12, undefined, true)), value: F.optional(F.num(0, 1e12, undefined, true)) },
  data: {
    name: F.oneOf(DATASETS), classes: F.int(1, 1000, 2), samples: F.int(2, SPEC_LIMITS.maxSamples, 2000),
    noise: F.num(0, 10, 0.1), test_fraction: F.num(0, 0.9, 0.2), seq_len: F.int(1, 10_000, 50),
  },
} satisfies Record<string, Record<string, Field>>;
const keys = (t: Record<string, Field>, ...more: string[]) => ['type', ...Object.keys(t), ...more];

function parseLayer(v: unknown, path: string, depth: number): LayerSpec {
  const type = (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj).type : undefined);
  const kinds = ['dense', 'activation', 'batchnorm', 'layernorm', 'dropout', 'residual', 'rnn', 'lstm', 'gru'] as const;
  switch (oneOf(type, `${path}.type`, kinds)) {
    case 'dense': {
      const o = object(v, path, keys(FIELDS.dense));
      const t = FIELDS.dense;
      const init: Initialiser = read(o, 'init', t.init, path);
      const layer: LayerSpec = { type: 'dense', units: read(o, 'units', t.units, path), init, bias: read(o, 'bias', t.bias, path) };
      // Each parameter of an initialiser belongs to that initialiser alone.
      for (const [key, owner] of [['std', 'normal'], ['limit', 'uniform'], ['gain', 'orthogonal']] as const) {
        if (init === owner) layer[key] = read(o, key, t[key], path);
        else if (o[key] !== undefined) throw new SpecError(`${path}.${key}`, `no ${key} (only init "${owner}" takes one)`, o[key]);
      }
      // Weight norm's init belongs to weight norm alone.
      if (read(o, 'weight_norm', t.weight_norm, path)) {
        layer.weight_norm = true;
        if (read(o, 'weight_norm_init', t.weight_norm_init, path) === 'data') layer.weight_norm_init = 'data';
      } else if (o.weight_norm_init !== undefined) throw new SpecError(`${path}.weight_norm_init`, 'no weight_norm_init (only with weight_norm: true)', o.weight_norm_init);
      return layer;
    }
    case 'activation': {
      const o = object(v, path, keys(FIELDS.activation));
      const fn = read(o, 'fn', FIELDS.activation.fn, path);
      if (!isActivation(fn)) throw new SpecError(`${path}.fn`, `one of ${Object.keys(ACTIVATIONS).join(', ')}`, fn);
      return { type: 'activation', fn };
    }
    case 'batchnorm':
    case 'layernorm':
      object(v, path, ['type']);
      return { type: (v as Obj).type as 'batchnorm' | 'layernorm' };
    case 'dropout': {
      const o = object(v, path, keys(FIELDS.dropout));
      const p: number = read(o, 'p', FIELDS.dropout.p, path);
      return { type: 'dropout', p };
    }
    case 'residual': {
      const o = object(v, path, ['type', 'layers']);
      if (depth >= 8) throw new SpecError(path, 'residual blocks nested at most 8 deep', v);
      return { type: 'residual', layers: parseLayers(o.layers, `${path}.layers`, depth + 1) };
    }
    case 'rnn':
    case 'lstm':
    case 'gru': {
      const o = object(v, path, keys(FIELDS.recurrent));
      const type = o.type as RecurrentSpec['type'];
      if (type !== 'rnn' && o.nonlinearity !== undefined) throw new SpecError(`${path}.nonlinearity`, `no nonlinearity (only rnn takes one; ${type} is tanh)`, o.nonlinearity);
      if (type !== 'lstm' && o.forget_bias !== undefined) throw new SpecError(`${path}.forget_bias`, 'no forget_bias (only lstm has a forget gate)', o.forget_bias);
      if (depth > 0) throw new SpecError(path, 'recurrent layers at the top level (not inside a residual block)', v);
      const layer: RecurrentSpec = { type, ...readAll<Omit<RecurrentSpec, 'type'>>(o, FIELDS.recurrent, path) };
      return layer;
    }
  }
}

export function parseLayers(v: unknown, path: string, depth: number): LayerSpec[] {
  if (!Array.isArray(v) || v.length === 0) throw new SpecError(path, 'a non-empty array of layers', v);
  if (v.length > SPEC_LIMITS.maxLayers) throw new SpecError(path, `at most ${SPEC_LIMITS.maxLayers} layers`, v);
  return Array.from(v, (l, i) => parseLayer(l, `${path}[${i}]`, depth)); // from(): holes are visited too
}

export function parseOptimizer(v: unknown, path: string): OptimizerSpec {
  const type = oneOf(v && typeof v === 'object' ? (v as Obj).type : undefined, `${path}.type`, OPTIMIZERS);
  const table = type === 'sgd' ? FIELDS.sgd : type === 'rmsprop' ? FIELDS.rmsprop : FIELDS.adam;
  const o = object(v, path, keys(table));
  const opt = { type, ...readAll<Obj>(o, table, path) } as OptimizerSpec;
  if (opt.type === 'sgd' && opt.nesterov && opt.momentum === 0) throw new SpecError(`${path}.nesterov`, 'false unless momentum > 0', true);
  return opt;
}

export function parseClip(v: unknown, path: string): Spec['clip'] {
  return readAll(object(v, path, Object.keys(FIELDS.clip)), FIELDS.clip, path);
}

/** A run spec's top-level object with these fields, and "$schema", which lets editors find run.schema.json (the validator ignores it). */
export function specObject(v: unknown, fields: readonly string[]): Obj {
  const o = object(v, 'spec', ['$schema', ...fields]);
  if (o.$schema !== undefined && typeof o.$schema !== 'string') throw new SpecError('$schema', 'a string (the path or URL of run.schema.json)', o.$schema);
  return o;
}

export function parseSpec(v: unknown): Spec {
  const o = specObject(v, ['model', ...Object.keys(FIELDS.spec), 'optimizer', 'clip', 'data']);
  const m = object(o.model, 'model', ['input', 'seq_len', 'layers']);
  const model: Spec['model'] = { input: read(m, 'input', FIELDS.model.input, 'model'), layers: parseLayers(m.layers, 'model.layers', 0) };
  if (m.seq_len !== undefined) {
    model.seq_len = read(m, 'seq_len', FIELDS.model.seq_len, 'model');
    if (!model.layers.some(isRecurrent)) throw new SpecError('model.seq_len', 'no seq_len (only a model with rnn, lstm or gru layers has a time axis)', m.seq_len);
  }
  const top = readAll<Pick<Spec, 'loss' | 'batch_size' | 'steps' | 'seed' | 'log_every' | 'eval_every'>>(o, FIELDS.spec, '');
  const optimizer = parseOptimizer(o.optimizer === undefined ? { type: 'adam', lr: 0.001 } : o.optimizer, 'optimizer');
  const clip = parseClip(o.clip === undefined ? {} : o.clip, 'clip');
  const d = object(o.data === undefined ? { name: 'spiral' } : o.data, 'data', Object.keys(FIELDS.data));
  const { seq_len: _t, ...plain } = FIELDS.data;
  const data: DataSpec = readAll(d, plain, 'data');
  if (isSequenceData(data.name)) data.seq_len = read(d, 'seq_len', FIELDS.data.seq_len, 'data');
  else if (d.seq_len !== undefined) throw new SpecError('data.seq_len', `no seq_len (only ${SEQUENCE_DATASETS.join(', ')} are sequences)`, d.seq_len);
  if (model.seq_len !== undefined && data.seq_len !== undefined && model.seq_len !== data.seq_len) {
    throw new SpecError('model.seq_len', `${data.seq_len} (data.seq_len of task "${data.name}"), or left out`, model.seq_len);
  }
  return { model, optimizer, clip, data, ...top };
}
