// Seeded sequence tasks for recurrent nets. Every sample is a sequence [T, F] flattened row-major
// to T·F features (the layout recurrent layers read); T is data.seq_len.
//  - adding (Hochreiter & Schmidhuber 1997; Le et al. 2015): F = 2, a value ~ U(0, 1) and a marker;
//    two steps are marked, one in each half; the target is the sum of their values (regression,
//    mse). Always predicting the mean, 1, scores MSE = Var(u1 + u2) = 2/12 = 1/6 ≈ 0.1667:
//    ADDING_BASELINE_MSE, the line a model has to get clearly below to have learned anything.
//  - memory: a one-symbol version of the copy/memory task: step 0 shows one of K = data.classes
//    symbols (one-hot), the steps after it are blank and the last carries a recall cue; the class
//    is the symbol. F = K + 1. Chance is 1/K. (The full copy task needs a loss per time step,
//    which the engine's losses do not have.)
//  - temporal_order (Hochreiter & Schmidhuber 1997, as in Pascanu et al. 2013): F = 6 one-hot
//    symbols a, b, c, d (distractors), X, Y; one of X/Y at a step in [T/10, 2T/10), another in
//    [4T/10, 5T/10); 4 classes by their order: XX, XY, YX, YY (chance 1/4). Needs T ≥ 10.
import type { Dataset, Split } from './data';
import { Rng } from './rng';
import type { DataSpec } from './spec';

export const ADDING_BASELINE_MSE = 1 / 6;
export const DEFAULT_SEQ_LEN = 50;

/** Features per time step, and classes (0: regression) of a sequence task. */
export function sequenceShape(spec: DataSpec): { features: number; classes: number } {
  switch (spec.name) {
    case 'adding': return { features: 2, classes: 0 };
    case 'memory': return { features: spec.classes + 1, classes: spec.classes };
    case 'temporal_order': return { features: 6, classes: 4 };
    default: throw new Error(`data.name: "${spec.name}" is not a sequence task`);
  }
}

function sample(spec: DataSpec, T: number, F: number, rng: Rng, x: Float32Array): { label: number; value: number } {
  switch (spec.name) {
    case 'adding': {
      const half = Math.max(1, Math.floor(T / 2));
      for (let t = 0; t < T; t++) x[t * F] = rng.next();
      const a = rng.int(half);
      const b = T > 1 ? half + rng.int(T - half) : 0;
      x[a * F + 1] = 1;
      x[b * F + 1] = 1;
      return { label: 0, value: a === b ? x[a * F] : x[a * F] + x[b * F] };
    }
    case 'memory': {
      const k = rng.int(spec.classes);
      x[k] = 1;
      x[(T - 1) * F + F - 1] = 1;
      return { label: k, value: 0 };
    }
    case 'temporal_order': {
      for (let t = 0; t < T; t++) x[t * F + rng.int(4)] = 1;
      const t1 = Math.floor(T / 10) + rng.int(Math.max(1, Math.floor(T / 10)));
      const t2 = Math.floor((4 * T) / 10) + rng.int(Math.max(1, Math.floor(T / 10)));
      const s1 = rng.int(2);
      const s2 = rng.int(2);
      for (const [t, s] of [[t1, s1], [t2, s2]]) {
        x.fill(0, t * F, t * F + F);
        x[t * F + 4 + s] = 1;
      }
      return { label: 2 * s1 + s2, value: 0 };
    }
    default:
      throw new Error(`data.name: "${spec.name}" is not a sequence task`);
  }
}

/** Generates a sequence task (seeded: same spec and seed, same bytes), split train / held-out. */
export function makeSequenceDataset(spec: DataSpec, seed: number): Dataset {
  const T = spec.seq_len ?? DEFAULT_SEQ_LEN;
  if (spec.name === 'temporal_order' && T < 10) throw new Error(`data.seq_len: temporal_order needs at least 10 steps, got ${T}`);
  const { features: F, classes } = sequenceShape(spec);
  const rng = new Rng(seed).fork(0x5e9);
  const n = spec.samples;
  const nTest = Math.min(n - 1, Math.round(n * spec.test_fraction));
  const split = (count: number): Split => {
    const x = new Float32Array(count * T * F);
    const labels = new Int32Array(count);
    const values = classes === 0 ? new Float32Array(count) : undefined;
    for (let i = 0; i < count; i++) {
      const r = sample(spec, T, F, rng, x.subarray(i * T * F, (i + 1) * T * F));
      labels[i] = r.label;
      if (values) values[i] = r.value;
    }
    return { n: count, x, labels, values };
  };
  const test = split(nTest);
  return { name: spec.name, features: T * F, classes, train: split(n - nTest), test };
}
