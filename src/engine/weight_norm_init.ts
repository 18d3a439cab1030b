// Initialising weight-normalised dense layers (w = g·v/‖v‖ per output row; spec.ts WeightNormSpec).
// By default v comes from the layer's initialiser and g = ‖v‖ per row, so w starts equal to the
// plain layer's weight, as torch.nn.utils.weight_norm leaves it. `weight_norm_init: "data"` is
// the paper's data-dependent initialisation (Salimans & Kingma 2016, §3): on one batch, layer by
// layer from the input, t = v·x/‖v‖ per unit, then g = 1/σ(t) and b = −μ(t)/σ(t), so that each
// such layer's pre-activations start with mean 0 and variance 1 over that batch.
import type { Tensor } from '../gpu/tensor';
import type { Graph } from './graph';
import type { LayerInfo, ModelInfo } from './model';
import { SpecError } from './spec';

const weightNormed = (model: ModelInfo) => model.flat.filter((l) => l.spec.type === 'dense' && l.spec.weight_norm);
const gainOf = (l: LayerInfo) => l.params.find((p) => p.role === 'gain')!;
const directionOf = (l: LayerInfo) => l.params.find((p) => p.role === 'weight')!;

/**
 * Sets g = ‖v‖ per row in the flat parameters (v already initialised). A zero row of v would make
 * that row of w NaN (0·g/0, as in PyTorch): refused here, naming the layer's initialiser.
 */
export function initWeightNormGains(model: ModelInfo, flat: Float32Array): void {
  for (const l of weightNormed(model)) {
    const v = directionOf(l);
    const [rows, cols] = v.shape;
    const g = gainOf(l);
    for (let r = 0; r < rows; r++) {
      let sq = 0;
      for (let k = 0; k < cols; k++) sq += flat[v.offset + r * cols + k] ** 2;
      if (!(sq > 0)) throw new SpecError(`${l.path}.init`, `an initialiser that gives every row of ${v.name} [${v.shape}] a non-zero norm with weight_norm (row ${r} is zero)`, (l.spec as { init: string }).init);
      flat[g.offset + r] = Math.sqrt(sq);
    }
  }
}

/** Whether any layer asks for the data-dependent initialisation. */
export const needsDataInit = (model: ModelInfo) => weightNormed(model).some((l) => l.spec.type === 'dense' && l.spec.weight_norm_init === 'data');

/**
 * The data-dependent initialisation of every layer that asks for it, in forward order: with that
 * layer's g = 1 and b = 0 its output is t = v·x/‖v‖; `forward` runs the training graph's forward
 * pass on the initialisation batch (earlier layers already initialised), t is read back and g, b
 * are set from its per-unit mean and standard deviation over the batch (biased, as batch norm's;
 * a unit with σ = 0 keeps g = 1). A layer without a bias gets only g. Batch-norm running
 * statistics that these passes touch are the caller's to reset.
 */
export async function dataDependentInit(model: ModelInfo, graph: Graph, params: Tensor, forward: () => void): Promise<void> {
  const queue = params.ctx.device.queue;
  const put = (offset: number, values: Float32Array) => queue.writeBuffer(params.buffer, params.offset + offset * 4, values);
  for (const l of weightNormed(model)) {
    if (l.spec.type !== 'dense' || l.spec.weight_norm_init !== 'data') continue;
    const units = l.outWidth;
    const g = gainOf(l);
    const b = l.params.find((p) => p.role === 'bias');
    put(g.offset, new Float32Array(units).fill(1));
    if (b) put(b.offset, new Float32Array(units));
    forward();
    const t = await graph.nodes.find((n) => n.layer === l)!.output.download(); // [batch, units]
    const rows = t.length / units;
    const gain = new Float32Array(units);
    const bias = new Float32Array(units);
    for (let u = 0; u < units; u++) {
      let mean = 0;
      for (let r = 0; r < rows; r++) mean += t[r * units + u] / rows;
      let variance = 0;
      for (let r = 0; r < rows; r++) variance += (t[r * units + u] - mean) ** 2 / rows;
      const sd = Math.sqrt(variance);
      gain[u] = sd > 0 ? 1 / sd : 1;
      bias[u] = -mean * gain[u];
    }
    put(g.offset, gain);
    if (b) put(b.offset, bias);
  }
}
