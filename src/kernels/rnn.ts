// Recurrent layers (PyTorch nn.RNN / nn.LSTM / nn.GRU, one layer, batch_first, with biases):
// forward and backpropagation through time, every step recorded into the caller's pass.
// Forward: one matmul projects the inputs of all steps (xg = X·W_ihᵀ + b_ih; with at most
// XG_CELL_FEATURES input features the drivers compute it themselves), then the recurrence adds
// W_hh·h_{t-1} + b_hh and applies the cell (shaders/rnn.wgsl, lstm.wgsl, gru.wgsl; layouts in
// rnn_common.wgsl). Backward: the recurrence in reverse stores the gate gradients of every step,
// then matmuls give dW_ih = dgxᵀ·X, dW_hh = dghᵀ·h_prev, dX = dgx·W_ih, the biases' column sums
// from the same dW kernels: summed over time in a fixed order, no float atomics.
// The recurrence runs one of two ways (recurrentPlan): small layers in ONE dispatch each way
// (rnn_persistent.wgsl: workgroups own batch rows and loop over t with a barrier per step, h or
// dgh shared in workgroup memory), larger ones in one dispatch per step. Per step, the step index
// reaches the kernel through the params uniform: one uniform buffer holds the params of every
// step at 256-byte strides and each step has its own bind group on its slice (T bind groups,
// built once). Both give the same bits: the same sums in the same order.
import rnnCommonWgsl from '../../shaders/rnn_common.wgsl?raw';
import rnnWgsl from '../../shaders/rnn.wgsl?raw';
import lstmWgsl from '../../shaders/lstm.wgsl?raw';
import gruWgsl from '../../shaders/gru.wgsl?raw';
import rnnPersistentWgsl from '../../shaders/rnn_persistent.wgsl?raw';
import rnnUnitsWgsl from '../../shaders/rnn_units.wgsl?raw';
import rnnUnitsVec4Wgsl from '../../shaders/rnn_units_vec4.wgsl?raw';
import activationFnsWgsl from '../../shaders/activation_fns.wgsl?raw';
import { packParams, sequenceOp, u32, type Bindable, type GpuContext, type Op } from '../gpu/context';
import { foldGrid } from '../gpu/dispatch';
import { kernel, shaderFamily, withConstants, type Kernel } from '../gpu/shaders';
import { Tensor, zeros } from '../gpu/tensor';
import { matmulOp } from './matmul';

export type Cell = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';
/** Gate blocks per cell: weight_ih_l0 is [GATES·H, in], weight_hh_l0 [GATES·H, H]. */
export const GATES: Record<Cell, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

// Each family twice: the per-unit buffers as f32s (rnn_units.wgsl) or as vec4s of a cell's 4
// units (rnn_units_vec4.wgsl: persistent plans with 4 units an invocation and H % 4 = 0).
type Units = 'scalar' | 'vec4';
const family = (name: string, source: string) => ({
  scalar: shaderFamily(name, source, [activationFnsWgsl, rnnCommonWgsl, rnnUnitsWgsl, rnnPersistentWgsl]),
  vec4: shaderFamily(`${name}_vec4`, source, [activationFnsWgsl, rnnCommonWgsl, rnnUnitsVec4Wgsl, rnnPersistentWgsl]),
});
const families = { rnn: family('rnn', rnnWgsl), lstm: family('lstm', lstmWgsl), gru: family('gru', gruWgsl) };
const FAMILY: Record<Cell, keyof typeof families> = { rnn_tanh: 'rnn', rnn_relu: 'rnn', lstm: 'lstm', gru: 'gru' };
// Binding numbers are rnn_common.wgsl's; each entry point lists exactly the ones it uses (the
// same for both drivers: the cells do the storage traffic).
const B = { y: 0, hs: 1, cs: 2, gates: 3, dgx: 4, dgh: 5, dhs: 6, dcs: 7, xg: 8, w_hh: 9, b_hh: 10, dy: 11, params: 12, x_in: 13, w_ih: 14, b_ih: 15 } as const;
const pick = <K extends keyof typeof B>(...names: K[]) => Object.fromEntries(names.map((n) => [n, B[n]])) as Record<string, number>;
const INPUT = ['xg', 'x_in', 'w_ih', 'b_ih'] as const; // the forward's input projection: xg, or (XG_CELL) what makes it
const BINDINGS: Record<Cell, { forward: Record<string, number>; backward: Record<string, number> }> = {
  rnn_tanh: { forward: pick('y', 'hs', ...INPUT, 'w_hh', 'b_hh', 'params'), backward: pick('hs', 'dgx', 'dgh', 'dhs', 'w_hh', 'dy', 'params') },
  rnn_relu: { forward: pick('y', 'hs', ...INPUT, 'w_hh', 'b_hh', 'params'), backward: pick('hs', 'dgx', 'dgh', 'dhs', 'w_hh', 'dy', 'params') },
  lstm: { forward: pick('y', 'hs', 'cs', 'gates', ...INPUT, 'w_hh', 'b_hh', 'params'), backward: pick('cs', 'gates', 'dgx', 'dgh', 'dhs', 'dcs', 'w_hh', 'dy', 'params') },
  gru: { forward: pick('y', 'hs', 'gates', ...INPUT, 'w_hh', 'b_hh', 'params'), backward: pick('hs', 'gates', 'dgx', 'dgh', 'dhs', 'w_hh', 'dy', 'params') },
};
/** Input features up to which the forward drivers compute W_ih x_t + b_ih themselves (rnn_common.wgsl XG_CELL). */
export const XG_CELL_FEATURES = 4;
const STEP_WG = 64;

function cellKernel(cell: Cell, dir: 'forward' | 'backward', driver: 'step' | 'seq', constants: Record<string, number>, units: Units = 'scalar'): Kernel {
  const k = kernel(families[FAMILY[cell]][units], `${driver}_${dir}`, BINDINGS[cell][dir], constants);
  return cell === 'rnn_relu' ? withConstants(k, { RELU: 1 }) : k;
}

/**
 * How a layer's recurrence runs: `persistent` — one dispatch each way, ceil(B / rows) workgroups
 * of `workgroup` invocations, each owning `rows` batch rows (4 to 16, a multiple of 4: vec4 row blocks) and
 * `units` hidden units per invocation (1 to 4), with `packedWeights` (units = 4) the forward's W_hh
 * in workgroup memory as vec4s of 4 units (rnn_persistent.wgsl PACKED_W); `per_step` — one
 * dispatch per step.
 */
export type RecurrentPlan = { kind: 'persistent'; rows: number; workgroup: number; units: number; packedWeights?: boolean } | { kind: 'per_step' };

/** Workgroup memory the persistent driver needs (bytes): backward's 2·rows·G·H floats, the larger. */
export const persistentBytes = (cell: Cell, rows: number, hidden: number) => 4 * 2 * rows * GATES[cell] * hidden;
/** W_hh as vec4s of 4 units (rnn_persistent.wgsl packed_w, its SW): G·H·⌈H/4⌉. */
const packedWeightVec4s = (cell: Cell, hidden: number) => GATES[cell] * hidden * Math.ceil(hidden / 4);
/** Its forward with packedWeights (bytes): the exchange's 2·rows·H floats and the packed W_hh. */
const packedForwardBytes = (cell: Cell, rows: number, hidden: number) => 4 * 2 * rows * hidden + 16 * packedWeightVec4s(cell, hidden);

/** Row blocks of 4 a persistent workgroup holds at most (shaders/rnn_persistent.wgsl MAX_BLOCKS). */
const MAX_BLOCKS = 4;

/**
 * The size rule: persistent while a 4-row block's exchange fits the device's workgroup memory
 * (LSTM: H ≤ 128 at WebGPU's default 16 KB, H ≤ 256 at lavapipe's 32 KB), else one dispatch per
 * step. Shapes measured on lavapipe (docs/recurrent.md): software adapters run a workgroup on one
 * CPU thread, 8 lanes wide, where every W_hh load is 8 per-lane scalar loads; a workgroup loads
 * each W_hh entry once per step for all its rows, so they get 16 rows per workgroup (fewer if the
 * exchange does not fit) and 4 units per invocation (one load of h or dgh serves 4 units × 4
 * rows); GPUs get one unit per invocation and 4 rows per workgroup, for the most workgroups in
 * flight.
 */
export function recurrentPlan(limits: GPUSupportedLimits, software: boolean, cell: Cell, batch: number, hidden: number): RecurrentPlan {
  const memory = limits.maxComputeWorkgroupStorageSize;
  if (persistentBytes(cell, 4, hidden) > memory) return { kind: 'per_step' };
  const units = software ? 4 : 1;
  let rows = Math.min(4 * Math.ceil(batch / 4), software ? 4 * MAX_BLOCKS : 4);
  while (rows > 4 && persistentBytes(cell, rows, hidden) > memory) rows -= 4;
  const lanes = software ? 8 : 32;
  const workgroup = Math.min(maxWorkgroup(limits), lanes * Math.ceil(Math.ceil(hidden / units) / lanes));
  // Software adapters: the forward keeps W_hh in workgroup memory as vec4s of 4 units where it fits.
  const packedWeights = units === 4 && packedForwardBytes(cell, rows, hidden) <= memory;
  return { kind: 'persistent', rows, workgroup, units, packedWeights };
}
const maxWorkgroup = (limits: GPUSupportedLimits) => Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);

export interface RecurrentDims {
  batch: number;
  time: number;
  features: number;
  hidden: number;
  /** true: y is [batch, time·hidden] (every h_t); false: [batch, hidden] (h_{T-1}) */
  returnSequences: boolean;
}

/** PyTorch's weight_ih_l0 [G·H, F], weight_hh_l0 [G·H, H], bias_ih_l0 [G·H], bias_hh_l0 [G·H]. */
export interface RecurrentWeights { weightIh: Tensor; weightHh: Tensor; biasIh: Tensor; biasHh: Tensor }
/** Gradients of the weights (=) and of the input (=; null: not needed). */
export interface RecurrentGrads extends RecurrentWeights { dx: Tensor | null }

export interface RecurrentLayer {
  forward: Op;
  /** null unless grads and dy were given. */
  backward: Op | null;
  /** h_t for t = -1 … T-1, time-major [(T+1)·B, H] (h_{-1} = 0). */
  hs: Tensor;
  /** dL/dh_t (output and recurrence), time-major [T·B, H]: one segment of B·H per step. */
  dh: Tensor | null;
  dispose(): void;
}

/** A persistent plan within the device's limits, or an error naming the limit. */
function checkPlan(limits: GPUSupportedLimits, cell: Cell, hidden: number, plan: { rows: number; workgroup: number; units: number; packedWeights?: boolean }): void {
  const { rows, workgroup, units } = plan;
  if (!Number.isInteger(rows / 4) || rows < 4 || rows > 4 * MAX_BLOCKS) throw new Error(`recurrent: plan.rows must be a multiple of 4 (vec4 row blocks) in [4, ${4 * MAX_BLOCKS}], got ${rows}`);
  if (!Number.isInteger(units) || units < 1 || units > 4) throw new Error(`recurrent: plan.units must be an integer in [1, 4], got ${units}`);
  if (!Number.isInteger(workgroup) || workgroup < 1 || workgroup > maxWorkgroup(limits)) {
    throw new Error(`recurrent: plan.workgroup must be an integer in [1, ${maxWorkgroup(limits)}] (maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupSizeX), got ${workgroup}`);
  }
  const bytes = persistentBytes(cell, rows, hidden);
  if (bytes > limits.maxComputeWorkgroupStorageSize) {
    throw new Error(`recurrent: ${rows} rows of ${hidden} ${cell} units need ${bytes} bytes of workgroup memory, over maxComputeWorkgroupStorageSize ${limits.maxComputeWorkgroupStorageSize}`);
  }
  if (plan.packedWeights) {
    if (units !== 4) throw new Error(`recurrent: plan.packedWeights needs plan.units = 4, got ${units}`);
    const packed = packedForwardBytes(cell, rows, hidden);
    if (packed > limits.maxComputeWorkgroupStorageSize) {
      throw new Error(`recurrent: ${rows} rows of ${hidden} ${cell} units with packed weights need ${packed} bytes of workgroup memory, over maxComputeWorkgroupStorageSize ${limits.maxComputeWorkgroupStorageSize}`);
    }
  }
}

function check(what: string, t: Tensor, shape: number[]): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (t.dtype !== 'f32' || t.size !== n) throw new Error(`recurrent: ${what} ${t.label} must be f32 [${shape.join(', ')}], got ${t.dtype} [${t.shape}]`);
}

/**
 * The recurrence of one direction as an op: for `persistent`, one dispatch of ceil(B / rows)
 * workgroups; else T dispatches over B·H invocations, step t = order[i] with its own params
 * slice and bind group, the pipeline set once.
 */
function recurrenceOp(ctx: GpuContext, cell: Cell, dir: 'forward' | 'backward', plan: RecurrentPlan, buffers: Record<string, Bindable>, d: RecurrentDims, label: string, inCell = false): Op {
  const only = (k: Kernel) => Object.fromEntries(Object.keys(k.bindings).filter((n) => n !== 'params').map((n) => [n, buffers[n]]));
  const XG_CELL = +inCell;
  if (plan.kind === 'persistent') {
    const blocks = plan.rows / 4;
    const exchange = 2 * blocks * d.hidden * (dir === 'forward' ? 1 : GATES[cell]); // vec4s
    const packed: Record<string, number> = dir === 'forward' && plan.packedWeights ? { PACKED_W: 1, SW: packedWeightVec4s(cell, d.hidden) } : {};
    const units: Units = plan.units === 4 && d.hidden % 4 === 0 ? 'vec4' : 'scalar'; // a cell's 4 units: one aligned vec4
    const k = cellKernel(cell, dir, 'seq', { WG: plan.workgroup, BLOCKS: blocks, UNITS: plan.units, SH: exchange, XG_CELL, ...packed }, units);
    const grid = foldGrid(Math.ceil(d.batch / plan.rows), ctx.maxWorkgroupsPerDimension);
    return ctx.op(k, only(k), [u32(d.time), u32(d.batch), u32(d.hidden), u32(0), u32(+d.returnSequences), u32(d.features)], grid, label);
  }
  const k = cellKernel(cell, dir, 'step', { WG: STEP_WG, XG_CELL });
  const order = Array.from({ length: d.time }, (_, t) => (dir === 'forward' ? t : d.time - 1 - t));
  return stepsOp(ctx, k, only(k), d, order, label);
}

function stepsOp(ctx: GpuContext, k: Kernel, buffers: Record<string, Bindable>, d: RecurrentDims, order: number[], label: string): Op {
  const stride = Math.max(256, ctx.device.limits.minUniformBufferOffsetAlignment);
  const data = new Uint8Array(stride * d.time);
  for (let t = 0; t < d.time; t++) {
    data.set(new Uint8Array(packParams([u32(d.time), u32(d.batch), u32(d.hidden), u32(t), u32(+d.returnSequences), u32(d.features)])), t * stride);
  }
  let uniform: GPUBuffer | null = ctx.pool.acquire(data.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, `${label}.params`);
  ctx.device.queue.writeBuffer(uniform, 0, data);
  const groups = order.map((t) => ctx.bind(k, { ...buffers, params: { buffer: uniform!, offset: t * stride, size: 32 } }, `${label} t=${t}`));
  const pipeline = ctx.pipeline(k);
  const grid = ctx.grid(k, d.batch * d.hidden);
  return {
    label,
    record(pass) {
      if (!uniform) throw new Error(`${label}: recorded after dispose`);
      pass.setPipeline(pipeline);
      for (const g of groups) {
        pass.setBindGroup(0, g);
        pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
      }
    },
    setParams() {
      throw new Error(`${label}: sizes are fixed when the op is built; build a new op`);
    },
    dispose() {
      if (uniform) ctx.pool.release(uniform);
      uniform = null;
    },
  };
}

/**
 * Builds a recurrent layer's ops over x [B, T·F] (batch_first, flattened) into y; with `grads`
 * and `dy` (shaped like y) also backpropagation through time. Saved activations and gradient
 * scratch are owned by the layer and released by dispose().
 */
export function recurrentLayer(
  ctx: GpuContext, cell: Cell, d: RecurrentDims,
  io: { y: Tensor; x: Tensor; weights: RecurrentWeights; grads?: RecurrentGrads; dy?: Tensor },
  label: string = cell,
  plan: RecurrentPlan = recurrentPlan(ctx.device.limits, ctx.gpu.adapter.software, cell, d.batch, d.hidden),
  /** Where W_ih x_t + b_ih is computed: in the forward drivers (F ≤ XG_CELL_FEATURES), or by a matmul into xg first. */
  projection: 'cell' | 'matmul' = d.features <= XG_CELL_FEATURES ? 'cell' : 'matmul',
): RecurrentLayer {
  const { batch: Bn, time: T, features: F, hidden: H } = d;
  for (const [k, v] of Object.entries({ batch: Bn, time: T, features: F, hidden: H })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`recurrent: ${k} must be a positive integer, got ${v}`);
  }
  if (!Object.hasOwn(GATES, cell)) throw new Error(`recurrent: unknown cell "${cell}" (known: ${Object.keys(GATES).join(', ')})`);
  const G = GATES[cell];
  const { y, x, weights: w, grads, dy } = io;
  const yShape = d.returnSequences ? [Bn, T * H] : [Bn, H];
  check('input', x, [Bn, T * F]);
  check('output', y, yShape);
  check('weight_ih_l0', w.weightIh, [G * H, F]);
  check('weight_hh_l0', w.weightHh, [G * H, H]);
  check('bias_ih_l0', w.biasIh, [G * H]);
  check('bias_hh_l0', w.biasHh, [G * H]);
  if (!!grads !== !!dy) throw new Error('recurrent: backward needs both grads and dy');
  if (grads && dy) {
    check('dy', dy, yShape);
    check('grad of weight_ih_l0', grads.weightIh, [G * H, F]);
    check('grad of weight_hh_l0', grads.weightHh, [G * H, H]);
    check('grad of bias_ih_l0', grads.biasIh, [G * H]);
    check('grad of bias_hh_l0', grads.biasHh, [G * H]);
    if (grads.dx) check('dx', grads.dx, [Bn, T * F]);
  }
  if (plan.kind === 'persistent') checkPlan(ctx.device.limits, cell, H, plan);
  if (projection === 'cell' && F > XG_CELL_FEATURES) throw new Error(`recurrent: the input projection is computed in the cell for at most ${XG_CELL_FEATURES} features, got ${F}`);

  const owned: Tensor[] = [];
  // Zeroed once at build: hs[0] and cs[0] (h_{-1}, c_{-1}) must be, and are never written.
  const tensor = (shape: number[], what: string) => {
    const t = zeros(ctx, shape, 'f32', `${label}.${what}`);
    owned.push(t);
    return t;
  };
  const rows = (t: Tensor, cols: number, what: string) => Tensor.view(ctx, t.buffer, t.offset, [Bn * T, cols], 'f32', `${t.label}.${what}`);
  const xRows = rows(x, F, 'rows'); // [B, T·F] is [B·T, F]: row b·T + t is x_t of sample b
  // Few input features: the forward drivers compute W_ih x_t + b_ih themselves (xg unused, but bound).
  const inCell = projection === 'cell';
  const xg = inCell ? tensor([1], 'xg.unused') : tensor([Bn * T, G * H], 'xg');
  const hs = tensor([(T + 1) * Bn, H], 'hs');
  const cs = cell === 'lstm' ? tensor([(T + 1) * Bn, H], 'cs') : null;
  const gates = cell === 'lstm' || cell === 'gru' ? tensor([T * Bn, 4 * H], 'gates') : null;
  const saved: Record<string, Tensor> = { hs, xg, w_hh: w.weightHh, b_hh: w.biasHh, x_in: xRows, w_ih: w.weightIh, b_ih: w.biasIh };
  if (cs) saved.cs = cs;
  if (gates) saved.gates = gates;
  const forwardOps = [
    ...(inCell ? [] : [matmulOp(ctx, xg, xRows, w.weightIh, { transB: true, bias: w.biasIh })]),
    recurrenceOp(ctx, cell, 'forward', plan, { ...saved, y }, d, `${label}.forward`, inCell),
  ];
  const forward = sequenceOp(`${label}.forward`, forwardOps);

  let backward: Op | null = null;
  let dh: Tensor | null = null;
  if (grads && dy) {
    const dgx = tensor([Bn * T, G * H], 'dgx');
    const dgh = tensor([T * Bn, G * H], 'dgh');
    dh = tensor([T * Bn, H], 'dh');
    const dcs = cell === 'lstm' ? tensor([T * Bn, H], 'dc') : null;
    const all: Record<string, Bindable> = { ...saved, dgx, dgh, dhs: dh, dy };
    if (dcs) all.dcs = dcs;
    const hPrev = Tensor.view(ctx, hs.buffer, hs.offset, [T * Bn, H], 'f32', `${label}.h_prev`); // rows t·B + b: h_{t-1}
    const ops: Op[] = [
      recurrenceOp(ctx, cell, 'backward', plan, all, d, `${label}.backward`), // the backward never reads the input projection
      matmulOp(ctx, grads.weightIh, dgx, xRows, { transA: true, db: grads.biasIh }), // dW_ih = dgxᵀ·X, db_ih = Σ_rows dgx   (=)
      matmulOp(ctx, grads.weightHh, dgh, hPrev, { transA: true, db: grads.biasHh }), // dW_hh = dghᵀ·h_prev, db_hh = Σ_rows dgh   (=)
    ];
    if (grads.dx) ops.push(matmulOp(ctx, rows(grads.dx, F, 'rows'), dgx, w.weightIh)); // dX = dgx·W_ih   (=)
    backward = sequenceOp(`${label}.backward`, ops);
  }
  let live = true;
  return {
    forward, backward, hs, dh,
    dispose() {
      if (!live) return;
      live = false;
      forward.dispose();
      backward?.dispose();
      for (const t of owned) t.dispose();
    },
  };
}
