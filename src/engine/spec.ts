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
export const DATASETS = ['spiral', 'moons', 'circles', 'xor', 'blobs', 'checkerboard', 'regression', 'fashion_mnist', 'adding', 'memory', 'temporal_order'] as const;
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
export type LayerSpec =
  | ({ type: 'dense'; units: number; bias: boolean } & InitSpec)
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
  model: { input: number; layers: LayerSpec[] };
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
export function num(v: unknown, path: string, min: number, max: number, fallback?: number, exclusiveMin = false): number {
  if (v === undefined && fallback !== undefined) return fallback;
  const below = exclusiveMin ? (x: number) => x <= min : (x: number) => x < min;
  if (typeof v !== 'number' || !Number.isFinite(v) || below(v) || v > max) {
    throw new SpecError(path, `a number in ${exclusiveMin ? '(' : '['}${min}, ${max}]`, v);
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

function parseLayer(v: unknown, path: string, depth: number): LayerSpec {
  const type = (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj).type : undefined);
  const kinds = ['dense', 'activation', 'batchnorm', 'layernorm', 'dropout', 'residual', 'rnn', 'lstm', 'gru'] as const;
  switch (oneOf(type, `${path}.type`, kinds)) {
    case 'dense': {
      const o = object(v, path, ['type', 'units', 'init', 'bias', 'std', 'limit', 'gain']);
      const init = oneOf(o.init, `${path}.init`, INITIALISERS, 'glorot_uniform');
      const layer: LayerSpec = { type: 'dense', units: int(o.units, `${path}.units`, 1, SPEC_LIMITS.maxUnits), init, bias: bool(o.bias, `${path}.bias`, true) };
      if (init === 'normal') layer.std = num(o.std, `${path}.std`, 0, 1e3, 0.01);
      else if (o.std !== undefined) throw new SpecError(`${path}.std`, 'no std (only init "normal" takes one)', o.std);
      if (init === 'uniform') layer.limit = num(o.limit, `${path}.limit`, 0, 1e3, 0.05);
      else if (o.limit !== undefined) throw new SpecError(`${path}.limit`, 'no limit (only init "uniform" takes one)', o.limit);
      if (init === 'orthogonal') layer.gain = num(o.gain, `${path}.gain`, 0, 1e3, 1);
      else if (o.gain !== undefined) throw new SpecError(`${path}.gain`, 'no gain (only init "orthogonal" takes one)', o.gain);
      return layer;
    }
    case 'activation': {
      const o = object(v, path, ['type', 'fn']);
      if (!isActivation(o.fn)) throw new SpecError(`${path}.fn`, `one of ${Object.keys(ACTIVATIONS).join(', ')}`, o.fn);
      return { type: 'activation', fn: o.fn };
    }
    case 'batchnorm':
    case 'layernorm':
      object(v, path, ['type']);
      return { type: (v as Obj).type as 'batchnorm' | 'layernorm' };
    case 'dropout': {
      const o = object(v, path, ['type', 'p']);
      const p = num(o.p, `${path}.p`, 0, 1, 0.5);
      if (p >= 1) throw new SpecError(`${path}.p`, 'a probability below 1', p);
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
      const o = object(v, path, ['type', 'units', 'return_sequences', 'nonlinearity', 'init', 'spectral_radius', 'forget_bias']);
      const type = o.type as RecurrentSpec['type'];
      if (type !== 'rnn' && o.nonlinearity !== undefined) throw new SpecError(`${path}.nonlinearity`, `no nonlinearity (only rnn takes one; ${type} is tanh)`, o.nonlinearity);
      if (type !== 'lstm' && o.forget_bias !== undefined) throw new SpecError(`${path}.forget_bias`, 'no forget_bias (only lstm has a forget gate)', o.forget_bias);
      if (depth > 0) throw new SpecError(path, 'recurrent layers at the top level (not inside a residual block)', v);
      const layer: RecurrentSpec = {
        type, units: int(o.units, `${path}.units`, 1, 4096),
        return_sequences: bool(o.return_sequences, `${path}.return_sequences`, false),
        nonlinearity: oneOf(o.nonlinearity, `${path}.nonlinearity`, ['tanh', 'relu'] as const, 'tanh'),
        init: oneOf(o.init, `${path}.init`, RECURRENT_INITS, 'default'),
      };
      if (o.spectral_radius !== undefined) layer.spectral_radius = num(o.spectral_radius, `${path}.spectral_radius`, 0, 100, undefined, true);
      if (o.forget_bias !== undefined) layer.forget_bias = num(o.forget_bias, `${path}.forget_bias`, -100, 100);
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
  const lr = (o: Obj) => num(o.lr, `${path}.lr`, 0, 1e6, undefined, true);
  const wd = (o: Obj) => num(o.weight_decay, `${path}.weight_decay`, 0, 1e3, 0);
  if (type === 'sgd') {
    const o = object(v, path, ['type', 'lr', 'momentum', 'nesterov', 'weight_decay']);
    const momentum = num(o.momentum, `${path}.momentum`, 0, 1, 0);
    const nesterov = bool(o.nesterov, `${path}.nesterov`, false);
    if (nesterov && momentum === 0) throw new SpecError(`${path}.nesterov`, 'false unless momentum > 0', true);
    return { type, lr: lr(o), momentum, nesterov, weight_decay: wd(o) };
  }
  if (type === 'rmsprop') {
    const o = object(v, path, ['type', 'lr', 'alpha', 'eps', 'momentum', 'weight_decay']);
    return { type, lr: lr(o), alpha: num(o.alpha, `${path}.alpha`, 0, 1, 0.99), eps: num(o.eps, `${path}.eps`, 0, 1, 1e-8, true), momentum: num(o.momentum, `${path}.momentum`, 0, 1, 0), weight_decay: wd(o) };
  }
  const o = object(v, path, ['type', 'lr', 'beta1', 'beta2', 'eps', 'weight_decay']);
  return {
    type, lr: lr(o),
    beta1: num(o.beta1, `${path}.beta1`, 0, 1, 0.9), beta2: num(o.beta2, `${path}.beta2`, 0, 1, 0.999),
    eps: num(o.eps, `${path}.eps`, 0, 1, 1e-8, true), weight_decay: wd(o, ),
  };
}

export function parseClip(v: unknown, path: string): Spec['clip'] {
  const c = object(v, path, ['global_norm', 'value']);
  const clip: Spec['clip'] = {};
  if (c.global_norm !== undefined) clip.global_norm = num(c.global_norm, `${path}.global_norm`, 0, 1e12, undefined, true);
  if (c.value !== undefined) clip.value = num(c.value, `${path}.value`, 0, 1e12, undefined, true);
  return clip;
}

export function parseSpec(v: unknown): Spec {
  const o = object(v, 'spec', ['model', 'loss', 'optimizer', 'clip', 'data', 'batch_size', 'steps', 'seed', 'log_every', 'eval_every']);
  const m = object(o.model, 'model', ['input', 'layers']);
  const model = { input: int(m.input, 'model.input', 1, SPEC_LIMITS.maxUnits), layers: parseLayers(m.layers, 'model.layers', 0) };
  const loss = oneOf(o.loss, 'loss', LOSSES, 'cross_entropy');
  const optimizer = parseOptimizer(o.optimizer ?? { type: 'adam', lr: 0.001 }, 'optimizer');
  const clip = parseClip(o.clip ?? {}, 'clip');
  const d = object(o.data ?? { name: 'spiral' }, 'data', ['name', 'classes', 'samples', 'noise', 'test_fraction', 'seq_len']);
  const data: DataSpec = {
    name: oneOf(d.name, 'data.name', DATASETS),
    classes: int(d.classes, 'data.classes', 1, 1000, 2),
    samples: int(d.samples, 'data.samples', 2, SPEC_LIMITS.maxSamples, 2000),
    noise: num(d.noise, 'data.noise', 0, 10, 0.1),
    test_fraction: num(d.test_fraction, 'data.test_fraction', 0, 0.9, 0.2),
  };
  if (isSequenceData(data.name)) data.seq_len = int(d.seq_len, 'data.seq_len', 1, 10_000, 50);
  else if (d.seq_len !== undefined) throw new SpecError('data.seq_len', `no seq_len (only ${SEQUENCE_DATASETS.join(', ')} are sequences)`, d.seq_len);
  const steps = int(o.steps, 'steps', 0, SPEC_LIMITS.maxSteps, 1000);
  return {
    model, loss, optimizer, clip, data,
    batch_size: int(o.batch_size, 'batch_size', 1, SPEC_LIMITS.maxBatch, 64),
    steps,
    seed: int(o.seed, 'seed', 0, 2 ** 32 - 1, 0),
    log_every: int(o.log_every, 'log_every', 1, 1_000_000, 10),
    eval_every: int(o.eval_every, 'eval_every', 1, 10_000_000, 100),
  };
}
