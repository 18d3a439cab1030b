// Recurrent layers (src/kernels/rnn.ts) against the float64 reference in tests/ref/rnn.ts, whose
// backpropagation through time is first checked against central finite differences of its own
// forward. Cells: tanh and relu RNN, LSTM, GRU; both drivers (one dispatch per step, persistent).
// Shapes: T = 1, 7, 65 (not multiples of any tile or workgroup) with B = 3 or 9 and H = 5,
// return_sequences both ways, and one LSTM and one GRU over T = 1000 steps, where dW sums
// B·T = 3000 rows (reductions over ≥ 2048); F = 1-3 (the input projection in the cell) and 6 (by
// a matmul into xg). The two drivers agree to the bit, and so do the two projections where the
// matmul is matmul_broadcast (lavapipe). The loss is
// L = Σ dy ⊙ y for a random dy. Outputs, gradients and some inputs are canaried (stores past
// the end are caught). Tolerances: forward atol 2e-6 rtol 1e-4; backward atol 1e-5 rtol 2e-3
// (sums over up to 3000 f32 terms); finite differences atol 1e-7 rtol 1e-5 (float64, h = 1e-6).
import { describe, expect, it } from 'vitest';
import { zeros, type Tensor } from '../../src/gpu/tensor';
import { chooseMatmulVariant, subgroupLanes } from '../../src/kernels/matmul';
import { GATES, XG_CELL_FEATURES, recurrentLayer, recurrentPlan, type Cell, type RecurrentPlan } from '../../src/kernels/rnn';
import { canaried, tensor, useGpu, type Canaried } from '../gpu';
import { asF32, expectClose, numericGrad, uniform } from '../reference';
import { recurrentBackward, recurrentForward, type Dims, type Weights } from '../ref/rnn';

const CELLS: Cell[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
const FWD = { atol: 2e-6, rtol: 1e-4 };
const BWD = { atol: 1e-5, rtol: 2e-3 };

function weights(cell: Cell, d: Dims, seed: number, scale: number): Weights {
  const GH = GATES[cell] * d.H;
  return {
    wIh: asF32(uniform(seed, GH * d.F, -scale, scale)), wHh: asF32(uniform(seed + 1, GH * d.H, -scale, scale)),
    bIh: asF32(uniform(seed + 2, GH, -scale, scale)), bHh: asF32(uniform(seed + 3, GH, -scale, scale)),
  };
}

describe('float64 reference backpropagation through time', () => {
  it.each(CELLS.flatMap((c) => [[c, true], [c, false]] as [Cell, boolean][]))('%s (return_sequences %s) matches finite differences', (cell, seq) => {
    const d: Dims = { B: 2, T: 4, F: 3, H: 3, seq };
    const x = uniform(1, d.B * d.T * d.F);
    const w = weights(cell, d, 10, 0.8);
    const dy = uniform(20, d.B * (seq ? d.T : 1) * d.H);
    const loss = (ww: Weights, xx: Float64Array) => recurrentForward(cell, d, xx, ww).reduce((a, v, i) => a + v * dy[i], 0);
    const g = recurrentBackward(cell, d, x, w, dy);
    const tol = { atol: 1e-7, rtol: 1e-5 };
    for (const k of ['wIh', 'wHh', 'bIh', 'bHh'] as const) {
      expectClose(g[k], numericGrad((v) => loss({ ...w, [k]: v }, x), w[k]), tol, `d/d ${k}`);
    }
    expectClose(g.dx, numericGrad((v) => loss(w, v), x), tol, 'd/dx');
    // dL/dh_t has no input of its own to perturb: the weight gradients above are built from it at
    // every step; at t = T−1 it is the output gradient alone.
    for (let b = 0; b < d.B; b++) {
      for (let j = 0; j < d.H; j++) {
        const want = seq ? dy[(b * d.T + d.T - 1) * d.H + j] : dy[b * d.H + j];
        expect(g.dh[((d.T - 1) * d.B + b) * d.H + j]).toBe(want);
      }
    }
  });
});

describe('recurrent layers on the GPU', () => {
  const gpu = useGpu();

  // Both drivers of the recurrence (src/kernels/rnn.ts): one dispatch per step, and persistent
  // plans that exercise every corner of rnn_persistent.wgsl: the adapter's default plan with B = 3
  // (a block of 4 rows with padding; on lavapipe 4 units per invocation with H = 5, so the second
  // invocation's units run past H, and 8 invocations for 2 used), PACKED: several blocks and
  // workgroups with a part-filled last one (B = 9, 8 rows per workgroup, 2 invocations), and WIDE:
  // the most blocks a workgroup holds (16 rows), of which B = 9 fills 3, the last with one row.
  const STEP: RecurrentPlan = { kind: 'per_step' };
  const PACKED: RecurrentPlan = { kind: 'persistent', rows: 8, workgroup: 2, units: 4 };
  const WIDE: RecurrentPlan = { kind: 'persistent', rows: 16, workgroup: 2, units: 4 };
  // PACKED with the forward's W_hh in workgroup memory as vec4s of 4 units (H = 5: the second
  // group's units past H repeat the last).
  const PACKED_W: RecurrentPlan = { kind: 'persistent', rows: 8, workgroup: 2, units: 4, packedWeights: true };
  // H = 12, a multiple of 4: a cell's 4 units are one aligned vec4 (shaders/rnn_units_vec4.wgsl;
  // H = 5 above runs rnn_units.wgsl), 3 of 8 invocations have units, plain and packed.
  const VEC4: RecurrentPlan = { kind: 'persistent', rows: 8, workgroup: 8, units: 4 };
  const VEC4_W: RecurrentPlan = { kind: 'persistent', rows: 16, workgroup: 8, units: 4, packedWeights: true };
  const cases: [string, Cell, number, number, number, number, boolean, RecurrentPlan | null][] = [];
  for (const cell of CELLS) {
    for (const T of [1, 7, 65]) cases.push(['per step', cell, 3, T, 2, 5, T !== 7, STEP]);
    cases.push(['default plan', cell, 3, 65, 2, 5, cell !== 'lstm', null]);
    for (const seq of [true, false]) cases.push(['persistent 8 rows × 4 units', cell, 9, 7, 3, 5, seq, PACKED]);
    cases.push(['persistent 16 rows × 4 units', cell, 9, 7, 3, 5, true, WIDE], ['persistent 8 rows × 4 units, W_hh packed', cell, 9, 7, 3, 5, false, PACKED_W]);
    cases.push(['persistent 8 rows × 4 units as vec4s', cell, 9, 7, 2, 12, true, VEC4], ['persistent 16 rows × 4 units as vec4s, W_hh packed', cell, 9, 7, 2, 12, false, VEC4_W]);
    // F > XG_CELL_FEATURES: the input projection by a matmul into xg before the loop.
    cases.push(['per step, xg by matmul', cell, 3, 7, 6, 5, true, STEP], ['persistent 8 rows × 4 units, xg by matmul', cell, 9, 7, 6, 5, false, PACKED]);
  }
  for (const plan of [STEP, null]) cases.push([plan ? 'per step' : 'default plan', 'lstm', 3, 1000, 2, 3, false, plan], [plan ? 'per step' : 'default plan', 'gru', 3, 1000, 1, 2, true, plan]);

  /** The layer's outputs and gradients (with dL/dh_t) on the GPU, checked for stray stores. */
  async function runLayer(cell: Cell, d: Dims, x: Float64Array, w: Weights, dy: Float64Array, plan: RecurrentPlan | null, projection?: 'cell' | 'matmul') {
    const ctx = gpu();
    const { B, T, F, H, seq } = d;
    const G = GATES[cell];
    const yWidth = seq ? T * H : H;
    const live: { dispose(): void }[] = [];
    const keep = <X extends { dispose(): void }>(v: X) => (live.push(v), v);
    const c = (data: ArrayLike<number> | number, shape: number[], label: string) => keep(canaried(ctx, data, shape, 'f32', label));
    try {
      const xs = c(x, [B, T * F], 'x');
      const y = c(B * yWidth, [B, yWidth], 'y');
      const wIh = c(w.wIh, [G * H, F], 'wIh');
      const gradTensors = { weightIh: c(G * H * F, [G * H, F], 'dWih'), weightHh: c(G * H * H, [G * H, H], 'dWhh'), biasIh: c(G * H, [G * H], 'dbIh'), biasHh: c(G * H, [G * H], 'dbHh') };
      const dx = c(B * T * F, [B, T * F], 'dx');
      const t = (v: ArrayLike<number>, shape: number[], label: string) => keep(tensor(ctx, v, shape, 'f32', label)) as Tensor;
      const dims = { batch: B, time: T, features: F, hidden: H, returnSequences: seq };
      const layer = keep(recurrentLayer(ctx, cell, dims, {
        y: y.tensor, x: xs.tensor,
        weights: { weightIh: wIh.tensor, weightHh: t(w.wHh, [G * H, H], 'wHh'), biasIh: t(w.bIh, [G * H], 'bIh'), biasHh: t(w.bHh, [G * H], 'bHh') },
        grads: { weightIh: gradTensors.weightIh.tensor, weightHh: gradTensors.weightHh.tensor, biasIh: gradTensors.biasIh.tensor, biasHh: gradTensors.biasHh.tensor, dx: dx.tensor },
        dy: t(dy, [B, yWidth], 'dy'),
      }, cell, plan ?? undefined, projection));
      ctx.submit([layer.forward, layer.backward!]);
      const out = {
        y: await y.tensor.download(), wIh: await gradTensors.weightIh.tensor.download(), wHh: await gradTensors.weightHh.tensor.download(),
        bIh: await gradTensors.biasIh.tensor.download(), bHh: await gradTensors.biasHh.tensor.download(), dx: await dx.tensor.download(), dh: await layer.dh!.download(),
      };
      for (const k of [xs, y, wIh, dx, ...Object.values(gradTensors)] as Canaried[]) await k.check();
      return out;
    } finally {
      for (const v of live.reverse()) v.dispose();
    }
  }

  const inputs = (cell: Cell, d: Dims) => ({
    x: asF32(uniform(3 + d.T, d.B * d.T * d.F)), w: weights(cell, d, 40 + d.T, 1 / Math.sqrt(d.H)), dy: asF32(uniform(7 + d.T, d.B * (d.seq ? d.T * d.H : d.H))),
  });

  it.each(cases)('%s: %s B=%i T=%i F=%i H=%i return_sequences=%s: forward and backward match float64', async (_, cell, B, T, F, H, seq, plan) => {
    const d: Dims = { B, T, F, H, seq };
    const { x, w, dy } = inputs(cell, d);
    const got = await runLayer(cell, d, x, w, dy, plan);
    expectClose(got.y, recurrentForward(cell, d, x, w), FWD, 'y');
    const want = recurrentBackward(cell, d, x, w, dy);
    expectClose(got.wIh, want.wIh, BWD, 'dW_ih');
    expectClose(got.wHh, want.wHh, BWD, 'dW_hh');
    expectClose(got.bIh, want.bIh, BWD, 'db_ih');
    expectClose(got.bHh, want.bHh, BWD, 'db_hh');
    expectClose(got.dx, want.dx, BWD, 'dx');
    expectClose(got.dh, want.dh, BWD, 'dL/dh_t');
  });

  type Outputs = Awaited<ReturnType<typeof runLayer>>;
  const expectSameBits = (a: Outputs, b: Outputs, what: string) => {
    for (const k of Object.keys(a) as (keyof Outputs)[]) expect(Buffer.from(a[k].buffer).equals(Buffer.from(b[k].buffer)), `${k} (${what})`).toBe(true);
  };
  it.each(CELLS.flatMap((cell) => [[cell, 3], [cell, 6]] as const))('%s: the persistent and per-step drivers give the same bits (B=9 T=7 F=%i H=5)', async (cell, F) => {
    const d: Dims = { B: 9, T: 7, F, H: 5, seq: true };
    const { x, w, dy } = inputs(cell, d);
    const step = await runLayer(cell, d, x, w, dy, STEP);
    for (const plan of [PACKED, WIDE, PACKED_W]) expectSameBits(await runLayer(cell, d, x, w, dy, plan), step, plan === PACKED_W ? '8 rows, W_hh packed' : `${plan.kind === 'persistent' ? plan.rows : 0} rows`);
  });
  it.each(CELLS)('%s: the persistent driver with 4 units as one vec4 gives the per-step bits (B=9 T=7 F=2 H=12)', async (cell) => {
    const d: Dims = { B: 9, T: 7, F: 2, H: 12, seq: true };
    const { x, w, dy } = inputs(cell, d);
    const step = await runLayer(cell, d, x, w, dy, STEP);
    expectSameBits(await runLayer(cell, d, x, w, dy, VEC4), step, '8 rows, units as vec4s');
    expectSameBits(await runLayer(cell, d, x, w, dy, VEC4_W), step, '16 rows, units as vec4s, W_hh packed');
  });

  // The in-cell projection sums as matmul_broadcast does (fma from 0 in feature order, then the
  // bias): where the adapter runs that kernel for xg (lavapipe), moving the projection into the
  // cell changes no bit; elsewhere the two agree to f32 rounding (the float64 tests above).
  it.each(CELLS)('%s: the projection in the cell gives the bits of the xg matmul where that is matmul_broadcast (B=9 T=7 F=3 H=5)', async (cell) => {
    const ctx = gpu();
    const d: Dims = { B: 9, T: 7, F: 3, H: 5, seq: true };
    const { x, w, dy } = inputs(cell, d);
    const inCell = await runLayer(cell, d, x, w, dy, null, 'cell');
    const byMatmul = await runLayer(cell, d, x, w, dy, null, 'matmul');
    const G = GATES[cell];
    if (chooseMatmulVariant(d.B * d.T, G * d.H, d.F, false, true, ctx.gpu.adapter.software, subgroupLanes(ctx)) === 'broadcast') expectSameBits(inCell, byMatmul, 'in the cell vs by matmul');
    else expectClose(inCell.y, byMatmul.y, FWD, 'y, in the cell vs by matmul');
  });

  it('refuses the projection in the cell for more than XG_CELL_FEATURES features', () => {
    const ctx = gpu();
    const F = XG_CELL_FEATURES + 1;
    const dims = { batch: 2, time: 3, features: F, hidden: 4, returnSequences: false };
    const z = (shape: number[]) => zeros(ctx, shape, 'f32', 'z');
    const w = { weightIh: z([16, F]), weightHh: z([16, 4]), biasIh: z([16]), biasHh: z([16]) };
    expect(() => recurrentLayer(ctx, 'lstm', dims, { y: z([2, 4]), x: z([2, 3 * F]), weights: w }, 'lstm', undefined, 'cell')).toThrow(/in the cell for at most 4 features, got 5/);
    for (const t of [...Object.values(w)]) t.dispose();
  });

  it('chooses the driver by size: persistent while 4 rows fit workgroup memory, else per step', () => {
    const limits = { maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256 } as GPUSupportedLimits;
    // LSTM backward holds 2·rows·4H floats: 4 rows of 128 units are 16,384 bytes, of 129 more.
    expect(recurrentPlan(limits, false, 'lstm', 32, 128)).toEqual({ kind: 'persistent', rows: 4, workgroup: 128, units: 1, packedWeights: false });
    expect(recurrentPlan(limits, false, 'lstm', 32, 129)).toEqual({ kind: 'per_step' });
    expect(recurrentPlan(limits, false, 'rnn_tanh', 32, 512).kind).toBe('persistent');
    expect(recurrentPlan(limits, true, 'lstm', 32, 32)).toEqual({ kind: 'persistent', rows: 16, workgroup: 8, units: 4, packedWeights: false }); // 16 rows: 16,384 bytes; W_hh packed would add 16,384
    expect(recurrentPlan(limits, true, 'lstm', 8, 32)).toEqual({ kind: 'persistent', rows: 8, workgroup: 8, units: 4, packedWeights: false });
    expect(recurrentPlan(limits, true, 'lstm', 3, 5)).toEqual({ kind: 'persistent', rows: 4, workgroup: 8, units: 4, packedWeights: true }); // 160 + 640 bytes forward
    expect(recurrentPlan(limits, true, 'lstm', 32, 64)).toEqual({ kind: 'persistent', rows: 8, workgroup: 16, units: 4, packedWeights: false }); // 16 rows would need 32,768 bytes
    expect(recurrentPlan(limits, true, 'lstm', 32, 65)).toEqual({ kind: 'persistent', rows: 4, workgroup: 24, units: 4, packedWeights: false }); // 8 rows would need 16,640 bytes
    // lavapipe's 32 KB: the adding step's LSTM packs W_hh (4,096 + 16,384 bytes forward).
    expect(recurrentPlan({ ...limits, maxComputeWorkgroupStorageSize: 32768 }, true, 'lstm', 32, 32)).toEqual({ kind: 'persistent', rows: 16, workgroup: 8, units: 4, packedWeights: true });
  });

  it('refuses a persistent plan over the device limits, naming the limit', () => {
    const ctx = gpu();
    const tt = (shape: number[]) => tensor(ctx, new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, 'f32', 't');
    const H = 128; // 16 rows (the most a workgroup holds) of 128 LSTM units need 64 KB
    const ts = { y: tt([4, H]), x: tt([4, 2]), weightIh: tt([4 * H, 1]), weightHh: tt([4 * H, H]), biasIh: tt([4 * H]), biasHh: tt([4 * H]) };
    const dims = { batch: 4, time: 2, features: 1, hidden: H, returnSequences: false };
    const io = { y: ts.y, x: ts.x, weights: { weightIh: ts.weightIh, weightHh: ts.weightHh, biasIh: ts.biasIh, biasHh: ts.biasHh } };
    const rows = 4 * Math.ceil(ctx.device.limits.maxComputeWorkgroupStorageSize / (4 * 2 * 4 * 4 * H) + 1);
    try {
      expect(() => recurrentLayer(ctx, 'lstm', dims, io, 'lstm', { kind: 'persistent', rows, workgroup: 8, units: 1 })).toThrow(/over maxComputeWorkgroupStorageSize/);
      expect(() => recurrentLayer(ctx, 'lstm', dims, io, 'lstm', { kind: 'persistent', rows: 4, workgroup: 100_000, units: 1 })).toThrow(/plan.workgroup must be an integer in \[1, \d+\]/);
      expect(() => recurrentLayer(ctx, 'lstm', dims, io, 'lstm', { kind: 'persistent', rows: 6, workgroup: 8, units: 1 })).toThrow(/plan.rows must be a multiple of 4 \(vec4 row blocks\) in \[4, 16\]/);
      expect(() => recurrentLayer(ctx, 'lstm', dims, io, 'lstm', { kind: 'persistent', rows: 20, workgroup: 8, units: 1 })).toThrow(/plan.rows must be a multiple of 4 \(vec4 row blocks\) in \[4, 16\]/);
      expect(() => recurrentLayer(ctx, 'lstm', dims, io, 'lstm', { kind: 'persistent', rows: 4, workgroup: 8, units: 5 })).toThrow(/plan.units must be an integer in \[1, 4\]/);
      expect(() => recurrentLayer(ctx, 'lstm', dims, io, 'lstm', { kind: 'persistent', rows: 4, workgroup: 8, units: 1, packedWeights: true })).toThrow(/plan.packedWeights needs plan.units = 4, got 1/);
      // W_hh of 128 LSTM units as vec4s: 256 KB.
      expect(() => recurrentLayer(ctx, 'lstm', dims, io, 'lstm', { kind: 'persistent', rows: 4, workgroup: 32, units: 4, packedWeights: true })).toThrow(/with packed weights need 266240 bytes of workgroup memory, over maxComputeWorkgroupStorageSize/);
    } finally {
      for (const t of Object.values(ts)) t.dispose();
    }
  });

  it('rejects mismatched shapes naming the tensor', () => {
    const ctx = gpu();
    const tt = (shape: number[], label: string) => tensor(ctx, new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, 'f32', label);
    const weights = { weightIh: tt([8, 2], 'W_ih'), weightHh: tt([8, 2], 'W_hh'), biasIh: tt([8], 'b_ih'), biasHh: tt([8], 'b_hh') };
    const dims = { batch: 2, time: 3, features: 2, hidden: 2, returnSequences: false };
    try {
      expect(() => recurrentLayer(ctx, 'lstm', dims, { y: tt([2, 2], 'y'), x: tt([2, 5], 'x'), weights })).toThrow(/input x must be f32 \[2, 6\]/);
      expect(() => recurrentLayer(ctx, 'gru', dims, { y: tt([2, 2], 'y'), x: tt([2, 6], 'x'), weights })).toThrow(/weight_ih_l0 W_ih must be f32 \[6, 2\]/);
    } finally {
      for (const t of Object.values(weights)) t.dispose();
    }
  });
});
