// Matmul GFLOP/s for gradscope, tfjs-webgpu and jax-js on the same adapter: square products and
// dense-layer training shapes (forward X·Wᵀ, dX = dY·W, dW = dYᵀ·X). Each framework runs a batch
// of products and syncs by reading the last result back.
import type { GpuContext } from '../src/gpu/context';
import { upload } from '../src/gpu/tensor';
import { MATMUL_VARIANTS, matmulOp, variantFits, variantRunsOn, type MatmulVariant } from '../src/kernels/matmul';
import type { Peers } from './peers';
import { ratioVsBest, timeIt, type Row } from './timing';

type Kind = 'square' | 'forward' | 'dX' | 'dW';
export interface MatmulCase { kind: Kind; M: number; N: number; K: number }

export function matmulCases(scope: 'quick' | 'default' | 'full'): MatmulCase[] {
  const squares = scope === 'quick' ? [256] : scope === 'default' ? [256, 512] : [256, 512, 1024];
  const batches = scope === 'quick' ? [32] : scope === 'default' ? [32, 128] : [32, 128, 512];
  const layers = scope === 'full' ? [[784, 256], [256, 256], [1024, 256], [256, 10]] : [[784, 256], [256, 10]];
  const cases: MatmulCase[] = squares.map((s) => ({ kind: 'square', M: s, N: s, K: s }));
  for (const B of batches) {
    for (const [fin, fout] of layers) {
      cases.push({ kind: 'forward', M: B, N: fout, K: fin }); // Y[B,out] = X[B,in]·W[out,in]ᵀ
      cases.push({ kind: 'dX', M: B, N: fin, K: fout }); // dX[B,in] = dY[B,out]·W[out,in]
      cases.push({ kind: 'dW', M: fout, N: fin, K: B }); // dW[out,in] = dY[B,out]ᵀ·X[B,in]
    }
  }
  return cases;
}

// Stored operand shapes and transposes for each kind (C[M,N] = op(A)·op(B)).
function operands(c: MatmulCase) {
  const { M, N, K } = c;
  if (c.kind === 'forward') return { a: [M, K], b: [N, K], transA: false, transB: true };
  if (c.kind === 'dW') return { a: [K, M], b: [K, N], transA: true, transB: false };
  return { a: [M, K], b: [K, N], transA: false, transB: false };
}

const random = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);

/**
 * Checks a product against float64 at 256 positions (the four corners, the last row and column,
 * and a seeded spread): a benchmark of wrong results is worthless, and this is how a kernel is
 * checked on a GPU the tests never run on. Returns the worst error over its tolerance (≤ 1 passes).
 */
function checkProduct(C: Float32Array, A: Float32Array, B: Float32Array, c: MatmulCase, transA: boolean, transB: boolean): number {
  const { M, N, K } = c;
  const a = (m: number, k: number) => (transA ? A[k * M + m] : A[m * K + k]);
  const b = (k: number, n: number) => (transB ? B[n * K + k] : B[k * N + n]);
  const points: [number, number][] = [[0, 0], [0, N - 1], [M - 1, 0], [M - 1, N - 1]];
  for (let i = 0; points.length < 256; i++) points.push(i % 3 === 0 ? [M - 1, (i * 7919) % N] : i % 3 === 1 ? [(i * 104729) % M, N - 1] : [(i * 104729) % M, (i * 7919) % N]);
  let worst = 0;
  for (const [m, n] of points) {
    let want = 0;
    for (let k = 0; k < K; k++) want += a(m, k) * b(k, n);
    const err = Math.abs(C[m * N + n] - want) / (1e-5 * Math.sqrt(K) + 1e-4 * Math.abs(want));
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
}

/**
 * One row per case: the whole measurement (gradscope, then each peer) repeated `rounds` times and
 * the round with the median ratio kept, so one round slowed by the machine's drift or another
 * process cannot carry a ratio either way. `--variants` sweeps in the first round only.
 */
export async function benchMatmul(ctx: GpuContext, peers: Peers, cases: MatmulCase[], opts: { reps: number; rounds: number }, log: (s: string) => void, sweep = false): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of cases) {
    const rounds: Row[] = [];
    for (let r = 0; r < opts.rounds; r++) rounds.push(await measureCase(ctx, peers, c, opts.reps, log, sweep && r === 0));
    const row = medianRow(rounds);
    rows.push(row);
    const all = rounds.length > 1 ? ` [rounds: ${rounds.map((x) => x.ratio?.toFixed(2) ?? '-').join(', ')}]` : '';
    log(`  ${row.case}: ${row.gradscope?.toFixed(2)} GFLOP/s (${row.note}), ${row.ratio?.toFixed(2) ?? '-'}x best peer${all}`);
  }
  return rows;
}

/** The round whose ratio is the median (rounds without a ratio sort last). */
function medianRow(rounds: Row[]): Row {
  const sorted = [...rounds].sort((x, y) => (y.ratio ?? -Infinity) - (x.ratio ?? -Infinity));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function measureCase(ctx: GpuContext, peers: Peers, c: MatmulCase, reps: number, log: (s: string) => void, sweep: boolean): Promise<Row> {
  const { a: as, b: bs, transA, transB } = operands(c);
  const flops = 2 * c.M * c.N * c.K;
  const inner = Math.max(2, Math.min(50, Math.round(2e8 / flops)));
  const A = random(as[0] * as[1]);
  const B = random(bs[0] * bs[1]);
  const gflops = (ms: number) => flops / (ms * 1e6);

  const ta = upload(ctx, A, as, 'f32', 'bench.a');
  const tb = upload(ctx, B, bs, 'f32', 'bench.b');
  const out = upload(ctx, new Float32Array(c.M * c.N), [c.M, c.N], 'f32', 'bench.c');
  const timeVariant = async (variant?: MatmulVariant, splits?: number) => {
    const op = matmulOp(ctx, out, ta, tb, { transA, transB, variant, splits });
    let result: Float32Array = new Float32Array(0);
    const ms = await timeIt(async (n) => {
      ctx.submit(new Array(n).fill(op), 'bench.matmul');
      result = await out.download();
    }, { inner, reps });
    op.dispose();
    const error = checkProduct(result, A, B, c, transA, transB);
    if (error > 1) throw new Error(`matmul ${op.variant} gives wrong results for ${c.kind} ${c.M}×${c.N}×${c.K} (error ${error.toFixed(1)}x its tolerance): not timing it`);
    return { ms, variant: op.variant };
  };
  const { ms: ours, variant } = await timeVariant();
  if (sweep) {
    // Every variant that can run the shape: the evidence behind chooseMatmulVariant.
    const rates: string[] = [];
    for (const v of MATMUL_VARIANTS.filter((v) => variantFits(v, c.M, c.N, c.K, transA, transB) && variantRunsOn(ctx, v))) {
      for (const splits of v === 'tiled_split' ? [2, 4, 8, 16, 32].filter((s) => s <= c.K / 16) : [undefined]) {
        const t = await timeVariant(v, splits);
        rates.push(`${t.variant} ${gflops(t.ms).toFixed(1)}`);
      }
    }
    log(`  ${c.kind} ${c.M}×${c.N}×${c.K} every variant, GFLOP/s: ${rates.join(', ')}`);
  }
  for (const t of [ta, tb, out]) t.dispose();

  let tfMs: number | null = null;
  if (peers.tf) {
    const tf = peers.tf;
    const x = tf.tensor2d(A, as as [number, number]);
    const y = tf.tensor2d(B, bs as [number, number]);
    tfMs = await timeIt(async (n) => {
      let r: import('@tensorflow/tfjs-core').Tensor | null = null;
      for (let i = 0; i < n; i++) { r?.dispose(); r = tf.matMul(x, y, transA, transB); }
      await r!.data();
      r!.dispose();
    }, { inner, reps });
    x.dispose();
    y.dispose();
  }

  let jaxMs: number | null = null;
  if (peers.jax) {
    const { numpy: np, jit } = peers.jax;
    const f = jit((p: import('@jax-js/jax').Array, q: import('@jax-js/jax').Array) => np.matmul(transA ? p.transpose() : p, transB ? q.transpose() : q));
    const x = np.array(A).reshape(as);
    const y = np.array(B).reshape(bs);
    // jax-js is lazy: a result disposed before it is realised is never computed, so keep every
    // result of the batch and wait for all of them together.
    jaxMs = await timeIt(async (n) => {
      const rs: import('@jax-js/jax').Array[] = [];
      for (let i = 0; i < n; i++) rs.push(f(x.ref, y.ref));
      await peers.jax!.blockUntilReady(rs);
      for (const r of rs) r.dispose();
    }, { inner, reps });
    x.dispose();
    y.dispose();
  }
  return ratioVsBest({
    case: `${c.kind} ${c.M}×${c.N}×${c.K}`, metric: 'GFLOP/s', gradscope: gflops(ours),
    tfjs: tfMs === null ? null : gflops(tfMs), jax: jaxMs === null ? null : gflops(jaxMs), note: variant,
  });
}
