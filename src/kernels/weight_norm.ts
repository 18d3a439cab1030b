// Weight normalisation of dense layers (shaders/weight_norm.wgsl), as PyTorch's
// torch.nn.utils.weight_norm(linear, dim=0): w = g·v/‖v‖ per output row, v [out, in], g [out, 1].
// The forward materialises w, so each layer's matmul and its fused bias/activation epilogue run
// unchanged; every weight-normalised layer of a model shares one forward and one backward
// dispatch (two if some take each row kernel: ROW_PER_INVOCATION_COLS), whatever the depth. The
// alternative, y = (x·vᵀ)⊙s + b with s = g/‖v‖, would save w's write (out·in values, at most
// 1/batch of the matmul's work) but need a scaled copy of dy per layer (dx = (dy⊙s)·v) or a
// scaled load in every matmul variant: a dispatch per layer more, or six kernels changed. As it
// is, weight norm costs 8-9% of a step on a 20×64 tanh net on lavapipe (npm run bench).
import weightNormWgsl from '../../shaders/weight_norm.wgsl?raw';
import { sequenceOp, u32, type GpuContext, type Op } from '../gpu/context';
import { foldGrid } from '../gpu/dispatch';
import { kernel, shaderFamily, withConstants } from '../gpu/shaders';
import { empty, upload, type Tensor } from '../gpu/tensor';

const family = shaderFamily('weight_norm', weightNormWgsl);
const forwardKernel = kernel(family, 'weight_norm_forward', { w: 0, norm: 1, flat: 3, row_table: 6, params: 7 }, { WG: 64 });
const backwardKernel = kernel(family, 'weight_norm_backward', { grads: 2, flat: 3, dw: 4, norm_in: 5, row_table: 6, params: 7 }, { WG: 64 });

/**
 * On hardware GPUs rows of up to this many columns are summed by one invocation, longer ones by a
 * workgroup (as batch norm's columns; not measured there). Software adapters always take one
 * invocation per row: on lavapipe (2 cores) 20 layers of 64×64 took 1.3 ms per forward+backward
 * that way against 12 ms with a workgroup per row, 256×784 2.0 ms against 4.8 (best of 7; the
 * workgroup's barriers cost more there than its parallel sums save).
 */
export const ROW_PER_INVOCATION_COLS = 256;
/** Force the one-invocation or the workgroup-per-row kernel (tests); by default the rule above. */
export type RowKernel = 'auto' | 'invocation' | 'workgroup';

/** One weight-normalised layer: element offsets of v and g in the flat parameters, of w in `w`. */
export interface WeightNormLayer {
  label: string;
  v: number;
  g: number;
  rows: number;
  cols: number;
  /** Where this layer's w (and dW) starts in the w (and dW) buffer. */
  w: number;
}

export interface WeightNormBuffers {
  /** The flat parameters (v, g) and, for the backward, the flat gradients (dv, dg written at the same offsets). */
  params: Tensor;
  grads?: Tensor;
  /** Every layer's w, and its dW = ∂L/∂w (backward), at WeightNormLayer.w. */
  w: Tensor;
  dw?: Tensor;
}

function check(layers: readonly WeightNormLayer[], b: WeightNormBuffers): void {
  for (const l of layers) {
    const inside = (offset: number, n: number, t: Tensor | undefined) => !t || (Number.isInteger(offset) && offset >= 0 && offset + n <= t.size);
    if (!(l.rows >= 1 && l.cols >= 1) || !inside(l.v, l.rows * l.cols, b.params) || !inside(l.g, l.rows, b.params) || !inside(l.v, l.rows * l.cols, b.grads) || !inside(l.g, l.rows, b.grads)) {
      throw new Error(`weight_norm: ${l.label} (v at ${l.v}, g at ${l.g}, [${l.rows}, ${l.cols}]) does not lie inside ${b.params.label} and its gradients`);
    }
    if (!inside(l.w, l.rows * l.cols, b.w) || !inside(l.w, l.rows * l.cols, b.dw)) throw new Error(`weight_norm: ${l.label}'s w [${l.rows}, ${l.cols}] at ${l.w} does not lie inside ${b.w.label}`);
  }
  for (const t of [b.params, b.grads, b.w, b.dw]) if (t && t.dtype !== 'f32') throw new Error(`weight_norm: ${t.label} is ${t.dtype}, expected f32`);
}

/**
 * forward: norm = ‖v‖ and w = g·v/‖v‖ for every row of every layer (=); backward (with grads and
 * dw): dg = (dW·v)/‖v‖ and dv = g/‖v‖·(dW − dg·v/‖v‖) from dW, into grads (=).
 */
export function weightNormOps(ctx: GpuContext, layers: readonly WeightNormLayer[], b: WeightNormBuffers, rowKernel: RowKernel = 'auto'): { forward: Op; backward: Op | null } {
  if (layers.length === 0) throw new Error('weight_norm: no layers given');
  check(layers, b);
  const perInvocation = (l: WeightNormLayer) => rowKernel === 'auto' ? ctx.gpu.adapter.software || l.cols <= ROW_PER_INVOCATION_COLS : rowKernel === 'invocation';
  const owned: Tensor[] = [];
  const forward: Op[] = [];
  const backward: Op[] = [];
  for (const perRow of [true, false]) {
    const group = layers.filter((l) => perInvocation(l) === perRow);
    if (group.length === 0) continue;
    const table = group.flatMap((l) => Array.from({ length: l.rows }, (_, r) => [l.v + r * l.cols, l.w + r * l.cols, l.cols, l.g + r])).flat();
    const rows = table.length / 4;
    const rowTable = upload(ctx, Uint32Array.from(table), [rows, 4], 'u32', 'weight_norm.row_table');
    const norm = empty(ctx, [rows], 'f32', 'weight_norm.norm');
    owned.push(rowTable, norm);
    const fk = perRow ? withConstants(forwardKernel, { ROW_PER_INVOCATION: 1 }) : forwardKernel;
    const bk = perRow ? withConstants(backwardKernel, { ROW_PER_INVOCATION: 1 }) : backwardKernel;
    const grid = perRow ? ctx.grid(fk, rows) : foldGrid(rows, ctx.maxWorkgroupsPerDimension);
    const values = group.reduce((a, l) => a + l.rows * l.cols, 0);
    forward.push({ ...ctx.op(fk, { w: b.w, norm, flat: b.params, row_table: rowTable }, [u32(rows)], grid, 'weight_norm.forward'), cost: { flops: 3 * values, bytes: 4 * (2 * values + 3 * rows) } });
    if (b.grads && b.dw) {
      backward.push({ ...ctx.op(bk, { grads: b.grads, flat: b.params, dw: b.dw, norm_in: norm, row_table: rowTable }, [u32(rows)], grid, 'weight_norm.backward'), cost: { flops: 6 * values, bytes: 4 * (3 * values + 4 * rows) } });
    }
  }
  const one = (label: string, ops: Op[], own: Tensor[]) => (ops.length === 1 && own.length === 0 ? ops[0] : sequenceOp(label, ops, own));
  return {
    forward: { ...one('weight_norm.forward', forward, owned), cost: { flops: forward.reduce((a, o) => a + (o.cost?.flops ?? 0), 0), bytes: forward.reduce((a, o) => a + (o.cost?.bytes ?? 0), 0) } },
    backward: backward.length ? one('weight_norm.backward', backward, []) : null,
  };
}
