// Eval-mode passes over a trainer's parameters: batch norm on running statistics, no dropout.
// One forward graph per batch size, built on first use and kept until dispose().
import type { GpuContext } from '../gpu/context';
import { upload, write, zeros, type Tensor } from '../gpu/tensor';
import { targetsFor, type Dataset } from './data';
import { buildGraph, type Graph } from './graph';
import { accuracyOf, lossOp } from './loss';
import type { ModelInfo } from './model';
import type { Spec } from './spec';

/** Rows evaluate() reads from a split: the first EVAL_LIMIT. */
export const EVAL_LIMIT = 8192;

export class Inference {
  private graphs = new Map<number, Graph>();

  constructor(private ctx: GpuContext, private model: ModelInfo, private params: Tensor, private states: Tensor) {}

  private graph(batch: number): Graph {
    let g = this.graphs.get(batch);
    if (!g) {
      g = buildGraph(this.ctx, this.model, { params: this.params.buffer, grads: null, states: this.states.buffer }, batch, false);
      this.graphs.set(batch, g);
    }
    return g;
  }

  /** Model outputs [n, outputs] for inputs x [n, features]. */
  async predict(x: Float32Array): Promise<Float32Array> {
    const n = x.length / this.model.input;
    if (!Number.isInteger(n) || n < 1) throw new Error(`predict: ${x.length} values are not rows of ${this.model.input} features`);
    const g = this.graph(n);
    write(g.input, x);
    this.ctx.submit(g.forward, 'predict');
    return (await g.output.download()) as Float32Array;
  }

  /** Loss and accuracy on the first EVAL_LIMIT rows of a split. */
  async evaluate(loss: Spec['loss'], dataset: Dataset, split: 'test' | 'train'): Promise<{ loss: number; accuracy: number | null; n: number }> {
    const data = dataset[split];
    const n = Math.min(data.n, EVAL_LIMIT);
    if (n < 1) return { loss: NaN, accuracy: null, n: 0 };
    const g = this.graph(n);
    write(g.input, data.x.subarray(0, n * this.model.input));
    const targets = targetsFor(loss, dataset, data);
    const width = targets.length / data.n;
    const y = upload(this.ctx, targets.subarray(0, n * width), width === 1 && targets instanceof Int32Array ? [n] : [n, width], targets instanceof Int32Array ? 'i32' : 'f32', 'eval.y');
    const value = zeros(this.ctx, [1], 'f32', 'eval.loss');
    const scratch = zeros(this.ctx, [n, this.model.output], 'f32', 'eval.dlogits');
    const op = lossOp(this.ctx, loss, value, scratch, g.output, y);
    try {
      this.ctx.submit([...g.forward, op], 'evaluate');
      const [l, logits] = await Promise.all([value.download(), g.output.download()]);
      const idx = Uint32Array.from({ length: n }, (_, i) => i);
      return { loss: l[0], accuracy: accuracyOf(logits as Float32Array, this.model.output, idx, data.labels, dataset.classes), n };
    } finally {
      op.dispose();
      for (const t of [y, value, scratch]) t.dispose();
    }
  }

  dispose(): void {
    for (const g of this.graphs.values()) g.dispose();
    this.graphs.clear();
  }
}
