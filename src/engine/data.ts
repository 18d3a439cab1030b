// Seeded data sets, split into train and held-out parts, and a seeded batcher whose position is
// part of a checkpoint. 2D toys are generated; Fashion-MNIST comes from a shipped subset
// (src/engine/fashion.ts); sequence tasks from src/engine/sequences.ts.
import { Rng } from './rng';
import { makeSequenceDataset, sequenceShape } from './sequences';
import { isSequenceData, type DataSpec, type Loss } from './spec';

export interface Split {
  n: number;
  /** [n, features] row-major */
  x: Float32Array;
  /** class labels (classification) */
  labels: Int32Array;
  /** regression targets [n, outputs] (regression data sets only) */
  values?: Float32Array;
}

export interface Dataset {
  name: string;
  features: number;
  /** number of classes; 0 for regression */
  classes: number;
  /** width of a regression target row (Split.values is [n, outputs]); 1 when absent */
  outputs?: number;
  train: Split;
  test: Split;
}

export type Point = { x: number[]; label: number; value?: number };

function toy(spec: DataSpec, rng: Rng): Point[] {
  const { samples: n, noise } = spec;
  const pts: Point[] = [];
  const gauss = () => noise * rng.normal();
  switch (spec.name) {
    case 'spiral': {
      const k = spec.classes;
      for (let i = 0; i < n; i++) {
        const c = i % k;
        const t = rng.next();
        const theta = (2 * Math.PI * c) / k + 4 * t + gauss() * 2;
        pts.push({ x: [t * Math.sin(theta), t * Math.cos(theta)], label: c });
      }
      break;
    }
    case 'moons':
      for (let i = 0; i < n; i++) {
        const c = i % 2;
        const a = Math.PI * rng.next();
        const x = c === 0 ? [Math.cos(a), Math.sin(a)] : [1 - Math.cos(a), 0.5 - Math.sin(a)];
        pts.push({ x: [x[0] - 0.5 + gauss(), x[1] - 0.25 + gauss()], label: c });
      }
      break;
    case 'circles':
      for (let i = 0; i < n; i++) {
        const c = i % 2;
        const a = 2 * Math.PI * rng.next();
        const r = c === 0 ? 1 : 0.5;
        pts.push({ x: [r * Math.cos(a) + gauss(), r * Math.sin(a) + gauss()], label: c });
      }
      break;
    case 'xor':
      for (let i = 0; i < n; i++) {
        const x = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
        pts.push({ x: [x[0] + gauss(), x[1] + gauss()], label: x[0] * x[1] > 0 ? 1 : 0 });
      }
      break;
    case 'blobs': {
      const k = spec.classes;
      for (let i = 0; i < n; i++) {
        const c = i % k;
        const a = (2 * Math.PI * c) / k;
        const s = 0.3 + noise;
        pts.push({ x: [Math.cos(a) + s * rng.normal(), Math.sin(a) + s * rng.normal()], label: c });
      }
      break;
    }
    case 'checkerboard':
      for (let i = 0; i < n; i++) {
        const x = [rng.uniform(-2, 2), rng.uniform(-2, 2)];
        pts.push({ x: [x[0] + gauss(), x[1] + gauss()], label: (Math.floor(x[0]) + Math.floor(x[1])) & 1 });
      }
      break;
    case 'regression':
      for (let i = 0; i < n; i++) {
        const x = [rng.uniform(-2, 2), rng.uniform(-2, 2)];
        pts.push({ x, label: 0, value: Math.sin(Math.PI * x[0]) * Math.cos((Math.PI * x[1]) / 2) + gauss() });
      }
      break;
    default:
      throw new Error(`data.name: "${spec.name}" is not a generated toy data set`);
  }
  return pts;
}

/** Number of classes a toy data set has, whatever the spec says for the fixed two-class ones. */
export function toyClasses(spec: DataSpec): number {
  if (isSequenceData(spec.name)) return sequenceShape(spec).classes;
  if (spec.name === 'regression') return 0;
  if (spec.name === 'spiral' || spec.name === 'blobs') return spec.classes;
  return 2;
}

function toSplit(points: Point[], regression: boolean): Split {
  const n = points.length;
  const f = points[0]?.x.length ?? 0;
  const x = new Float32Array(n * f);
  const labels = new Int32Array(n);
  const values = regression ? new Float32Array(n) : undefined;
  points.forEach((p, i) => {
    x.set(p.x, i * f);
    labels[i] = p.label;
    if (values) values[i] = p.value ?? 0;
  });
  return { n, x, labels, values };
}

/** Generates a 2D toy data set, shuffled with the seed and split train / held-out. */
export function makeToyDataset(spec: DataSpec, seed: number): Dataset {
  if (isSequenceData(spec.name)) return makeSequenceDataset(spec, seed); // src/engine/sequences.ts
  const rng = new Rng(seed).fork(0xda7a);
  return splitPoints(spec.name, 2, toyClasses(spec), toy(spec, rng), rng, spec.test_fraction);
}

/**
 * Points shuffled with `seed` (a number or the generator's own stream) and split: the first
 * round(n · testFraction) are held out. Toys and own data (src/engine/own_data.ts) both split here.
 */
export function splitPoints(name: string, features: number, classes: number, points: Point[], seed: number | Rng, testFraction: number): Dataset {
  const rng = typeof seed === 'number' ? new Rng(seed).fork(0xda7a) : seed;
  rng.shuffle(points);
  const nTest = Math.min(points.length - 1, Math.round(points.length * testFraction));
  const regression = classes === 0;
  return { name, features, classes, train: toSplit(points.slice(nTest), regression), test: toSplit(points.slice(0, nTest), regression) };
}

/** Width of the model's output a loss needs for this data set. */
export function outputsFor(loss: Loss, data: Dataset): number {
  if (data.classes === 0) return data.outputs ?? 1;
  if (loss === 'bce_with_logits') return data.classes === 2 ? 1 : data.classes;
  return data.classes;
}

/**
 * Training targets as the loss kernels read them: i32 labels for cross_entropy; f32 [n, outputs]
 * otherwise (0/1 for bce_with_logits, one-hot or the regression value for mse).
 */
export function targetsFor(loss: Loss, data: Dataset, split: Split): Int32Array | Float32Array {
  if (loss === 'cross_entropy') return split.labels;
  if (split.values) return split.values;
  const outputs = outputsFor(loss, data);
  const t = new Float32Array(split.n * outputs);
  for (let i = 0; i < split.n; i++) {
    if (outputs === 1) t[i] = split.labels[i];
    else t[i * outputs + split.labels[i]] = 1;
  }
  return t;
}

/** Seeded minibatches without replacement; reshuffles each epoch. Its state goes in checkpoints. */
export class Batcher {
  private order: Uint32Array;
  epoch = 0;
  position = 0;
  readonly rng: Rng;

  constructor(readonly n: number, readonly batchSize: number, seed: number) {
    this.rng = new Rng(seed).fork(0xba7c);
    this.order = new Uint32Array(n);
    this.reshuffle();
  }

  private reshuffle(): void {
    for (let i = 0; i < this.n; i++) this.order[i] = i;
    this.rng.shuffle(this.order);
  }

  /** Indices of the next batch (wrapping into a new epoch when the data runs out). */
  next(): Uint32Array {
    const out = new Uint32Array(this.batchSize);
    for (let i = 0; i < this.batchSize; i++) {
      if (this.position === this.n) {
        this.epoch++;
        this.position = 0;
        this.reshuffle();
      }
      out[i] = this.order[this.position++];
    }
    return out;
  }

  get state(): { epoch: number; position: number; rng: number; order: number[] } {
    return { epoch: this.epoch, position: this.position, rng: this.rng.state, order: Array.from(this.order) };
  }

  restore(s: { epoch: number; position: number; rng: number; order: number[] }): void {
    if (s.order.length !== this.n) throw new Error(`batcher state: ${s.order.length} indices for ${this.n} samples`);
    this.epoch = s.epoch;
    this.position = s.position;
    this.rng.state = s.rng;
    this.order.set(s.order);
  }
}

/** Gathers rows `idx` of a [n, width] array into `out` [idx.length, width]. */
export function gatherRows<T extends Float32Array | Int32Array>(src: T, width: number, idx: Uint32Array, out: T): T {
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * width, idx[i] * width + width), i * width);
  return out;
}
