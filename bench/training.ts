// Training throughput against the peers (MLP 784-256×6-10, batch 128, Adam, softmax
// cross-entropy; a wider MLP 784-1024×4-10 at batch 512; a GAN step, bench/gan.ts), the
// dispatch-bound tiny net, the LSTM adding step (bench/recurrent.ts), the cost of diagnostics on a
// deep net, and GPU memory against the theoretical minimum with no growth over 2,000 steps.
import type { GpuContext } from '../src/gpu/context';
import type { Dataset } from '../src/engine/data';
import { makeToyDataset } from '../src/engine/data';
import { trainSteps, type Steppable } from '../src/engine/loop';
import { parseSpec, type Spec } from '../src/engine/spec';
import { Trainer } from '../src/engine/trainer';
import { gradscopeGanSteps, tfjsGanSteps, type GanShape } from './gan';
import type { Peers } from './peers';
import { benchRecurrent } from './recurrent';
import { ratioVsBest, tfjsStepsPerSec, type Row } from './timing';

export interface MlpShape { input: number; hidden: number; depth: number; output: number; batch: number; activation: string }

export function mlpSpec(s: MlpShape, extra: Record<string, unknown> = {}): Spec {
  const layers: unknown[] = [];
  for (let i = 0; i < s.depth; i++) layers.push({ type: 'dense', units: s.hidden, init: 'he_normal' }, { type: 'activation', fn: s.activation });
  layers.push({ type: 'dense', units: s.output, init: 'glorot_uniform' });
  return parseSpec({
    model: { input: s.input, layers }, loss: 'cross_entropy', optimizer: { type: 'adam', lr: 1e-3 },
    data: { name: 'spiral', classes: s.output, samples: 1000 }, batch_size: s.batch, steps: 1, seed: 1, log_every: 1_000_000, ...extra,
  });
}

/** Synthetic classification data of any width (the benchmark measures speed, not learning). */
export function syntheticData(features: number, classes: number, n: number): Dataset {
  const x = Float32Array.from({ length: n * features }, (_, i) => Math.sin(i * 0.7) * 0.5);
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const split = { n, x, labels };
  return { name: 'synthetic', features, classes, train: split, test: split };
}

/** gradscope steps/s, and how many submits and readbacks a step makes. */
export function gradscopeSteps(ctx: GpuContext, spec: Spec, data: Dataset, steps: number): Promise<{ stepsPerSec: number; submitsPerStep: number; readbacksPerStep: number }> {
  return timedSteps(ctx, new Trainer(ctx, spec, data), steps);
}

/** Times `steps` steps of a built trainer (single-network or GAN) after a warm-up, then disposes it. */
export async function timedSteps(ctx: GpuContext, trainer: Steppable & { dispose(): void }, steps: number): Promise<{ stepsPerSec: number; submitsPerStep: number; readbacksPerStep: number }> {
  try {
    await trainSteps(trainer, 5); // warm-up: pipelines compiled, first log step done
    const queue = ctx.device.queue;
    const submit = queue.submit.bind(queue);
    let submits = 0;
    queue.submit = (b) => { submits++; submit(b); };
    const mapAsync = GPUBuffer.prototype.mapAsync;
    let maps = 0;
    GPUBuffer.prototype.mapAsync = function (...args) { maps++; return mapAsync.apply(this, args); };
    const t0 = performance.now();
    try {
      await trainSteps(trainer, steps);
    } finally {
      queue.submit = submit;
      GPUBuffer.prototype.mapAsync = mapAsync;
    }
    return { stepsPerSec: steps / ((performance.now() - t0) / 1000), submitsPerStep: submits / steps, readbacksPerStep: maps / steps };
  } finally {
    trainer.dispose();
  }
}

/**
 * Runs each of `blocks` (each `steps` training steps) once per round, each round starting one
 * block later, so that a block's place in the round (first after a switch, say) weighs on all
 * alike (a fixed order showed an identical trainer at -4%). Returns each block's extra time
 * against block 0 in percent, the median over rounds of the ratio within a round (times a few
 * hundred ms apart: on a shared machine the load moves within seconds, so paired ratios hold
 * still where medians of separate rates swung by ±30%), and each block's median steps/s.
 */
async function rotatedCostPercent(blocks: (() => Promise<unknown>)[], steps: number, rounds: number): Promise<{ cost: number[]; stepsPerSec: number[] }> {
  const ms: number[][] = blocks.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < blocks.length; k++) {
      const i = (r + k) % blocks.length;
      const t0 = performance.now();
      await blocks[i]();
      ms[i].push(performance.now() - t0);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    cost: ms.slice(1).map((m) => 100 * median(m.map((v, r) => v / ms[0][r] - 1))),
    stepsPerSec: ms.map((m) => (1000 * steps) / median(m)),
  };
}

/**
 * The extra time per step of each trainer against the first, in percent (rotatedCostPercent):
 * configurations that differ in spec or in trainer options. Disposes the trainers.
 */
export async function pairedCostPercent(trainers: Trainer[], steps: number, rounds: number): Promise<{ cost: number[]; stepsPerSec: number[] }> {
  try {
    for (const t of trainers) await trainSteps(t, 5);
    return await rotatedCostPercent(trainers.map((t) => () => trainSteps(t, steps)), steps, rounds);
  } finally {
    for (const t of trainers) t.dispose();
  }
}

/**
 * The extra time per step of reading diagnostics back every `logEvery[i]` steps, in percent, on
 * ONE trainer whose log_every is switched per block (10⁶ for the baseline): two trainers built
 * alike differed by up to 10% in speed on lavapipe (where their buffers landed), which a
 * comparison of two would charge to the diagnostics.
 */
export async function diagnosticsCostPercent(ctx: GpuContext, spec: Spec, data: Dataset, logEvery: number[], steps: number, rounds: number): Promise<{ cost: number[]; stepsPerSec: number[] }> {
  const trainer = new Trainer(ctx, spec, data);
  try {
    await trainSteps(trainer, 5);
    return await rotatedCostPercent([1_000_000, ...logEvery].map((n) => () => (trainer.setLogEvery(n), trainSteps(trainer, steps))), steps, rounds);
  } finally {
    trainer.dispose();
  }
}

export async function tfjsSteps(peers: Peers, s: MlpShape, steps: number): Promise<number | null> {
  const tf = peers.tf;
  if (!tf) return null;
  const ws: import('@tensorflow/tfjs-core').Variable[] = [];
  let fin = s.input;
  for (let i = 0; i <= s.depth; i++) {
    const fout = i === s.depth ? s.output : s.hidden;
    const init = Float32Array.from({ length: fin * fout }, (_, k) => Math.sin(k) * Math.sqrt(2 / fin)); // tf.randomNormal's seedrandom breaks when bundled
    ws.push(tf.variable(tf.tensor2d(init, [fin, fout])), tf.variable(tf.zeros([fout])));
    fin = fout;
  }
  const x = tf.tensor2d(syntheticData(s.input, s.output, s.batch).train.x, [s.batch, s.input]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: s.batch }, (_, i) => i % s.output), 'int32'), s.output);
  const opt = tf.train.adam(1e-3);
  const step = () => opt.minimize(() => {
    let h: import('@tensorflow/tfjs-core').Tensor = x;
    for (let i = 0; i <= s.depth; i++) {
      h = tf.add(tf.matMul(h, ws[2 * i]), ws[2 * i + 1]);
      if (i < s.depth) h = s.activation === 'relu' ? tf.relu(h) : tf.tanh(h);
    }
    return tf.losses.softmaxCrossEntropy(y, h) as import('@tensorflow/tfjs-core').Scalar;
  }, true);
  const rate = await tfjsStepsPerSec(() => step()!, steps, 3);
  opt.dispose();
  tf.dispose([x, y, ...ws]);
  return rate;
}

export async function jaxSteps(peers: Peers, s: MlpShape, steps: number): Promise<number | null> {
  const jax = peers.jax;
  if (!jax) return null;
  const { numpy: np, nn, jit, valueAndGrad, tree } = jax;
  type A = import('@jax-js/jax').Array;
  type P = { w: A[]; b: A[] };
  const params: P = { w: [], b: [] };
  let fin = s.input;
  for (let i = 0; i <= s.depth; i++) {
    const fout = i === s.depth ? s.output : s.hidden;
    params.w.push(np.array(Float32Array.from({ length: fin * fout }, (_, k) => Math.sin(k) * Math.sqrt(2 / fin))).reshape([fin, fout]));
    params.b.push(np.zeros([fout]));
    fin = fout;
  }
  const lossFn = (p: P, x: A, y: A): A => {
    let h = x;
    for (let i = 0; i <= s.depth; i++) {
      h = np.matmul(h, p.w[i]).add(p.b[i]);
      if (i < s.depth) h = s.activation === 'relu' ? nn.relu(h) : np.tanh(h);
    }
    return np.mean(np.sum(nn.logSoftmax(h, -1).mul(y), -1)).neg();
  };
  const [b1, b2, lr, eps] = [0.9, 0.999, 1e-3, 1e-8];
  // One jitted step: value and gradient, then Adam (bias corrections passed in as scalars).
  const step = jit((p: P, m: P, v: P, x: A, y: A, c1: A, c2: A) => {
    const [loss, g] = valueAndGrad(lossFn)(tree.ref(p), x, y);
    const m2 = tree.map((mi: A, gi: A) => mi.mul(b1).add(gi.mul(1 - b1)), m, tree.ref(g)) as P;
    const v2 = tree.map((vi: A, gi: A) => vi.mul(b2).add(gi.ref.mul(gi).mul(1 - b2)), v, g) as P;
    const p2 = tree.map((pi: A, mi: A, vi: A) => pi.sub(mi.div(c1.ref).mul(lr).div(np.sqrt(vi.div(c2.ref)).add(eps))), p, tree.ref(m2), tree.ref(v2)) as P;
    c1.dispose();
    c2.dispose();
    return [p2, m2, v2, loss] as const;
  });
  let m = tree.map((a: A) => np.zerosLike(a), tree.ref(params)) as P;
  let v = tree.map((a: A) => np.zerosLike(a), tree.ref(params)) as P;
  let p = params;
  const x = np.array(syntheticData(s.input, s.output, s.batch).train.x).reshape([s.batch, s.input]);
  const y = nn.oneHot(np.array(Int32Array.from({ length: s.batch }, (_, i) => i % s.output), { dtype: np.int32 }), s.output);
  let t = 0;
  const run = (n: number) => {
    let loss: A | null = null;
    for (let i = 0; i < n; i++) {
      t++;
      loss?.dispose();
      const out = step(p, m, v, x.ref, y.ref, np.array([1 - b1 ** t]), np.array([1 - b2 ** t]));
      [p, m, v, loss] = out as unknown as [P, P, P, A];
    }
    return loss!;
  };
  await run(3).data();
  const t0 = performance.now();
  await run(steps).data();
  const rate = steps / ((performance.now() - t0) / 1000);
  tree.dispose([p, m, v]);
  x.dispose();
  y.dispose();
  return rate;
}

export async function benchTraining(ctx: GpuContext, peers: Peers, quick: boolean, log: (s: string) => void): Promise<{ rows: Row[]; extra: Record<string, unknown> }> {
  const rows: Row[] = [];
  const extra: Record<string, unknown> = {};
  const attempt = async (what: string, f: () => Promise<number | null>) => {
    try { return await f(); } catch (e) { log(`  ${what} failed: ${(e as Error).message.split('\n')[0]}`); return null; }
  };

  const mlp: MlpShape = { input: 784, hidden: 256, depth: 6, output: 10, batch: 128, activation: 'relu' };
  const n = quick ? 5 : 20;
  const ours = await gradscopeSteps(ctx, mlpSpec(mlp), syntheticData(784, 10, 1024), n);
  const tfRate = await attempt('tfjs MLP', () => tfjsSteps(peers, mlp, n));
  const jaxRate = await attempt('jax-js MLP', () => jaxSteps(peers, mlp, n));
  rows.push(ratioVsBest({ case: 'MLP 784-256×6-10, batch 128, Adam', metric: 'steps/s', gradscope: ours.stepsPerSec, tfjs: tfRate, jax: jaxRate }));
  rows.push(ratioVsBest({ case: 'MLP 784-256×6-10, batch 128, Adam', metric: 'samples/s', gradscope: ours.stepsPerSec * 128, tfjs: tfRate && tfRate * 128, jax: jaxRate && jaxRate * 128 }));
  log(`  MLP: ${ours.stepsPerSec.toFixed(1)} steps/s, tfjs ${tfRate?.toFixed(1) ?? '-'}, jax-js ${jaxRate?.toFixed(1) ?? '-'}`);

  // Wider: shapes large enough to matter on a GPU, measured end to end.
  const wide: MlpShape = { input: 784, hidden: 1024, depth: 4, output: 10, batch: 512, activation: 'relu' };
  const wn = quick ? 2 : 5;
  const oursWide = await gradscopeSteps(ctx, mlpSpec(wide), syntheticData(784, 10, 2048), wn);
  const tfWide = await attempt('tfjs wide MLP', () => tfjsSteps(peers, wide, wn));
  const jaxWide = await attempt('jax-js wide MLP', () => jaxSteps(peers, wide, wn));
  rows.push(ratioVsBest({ case: 'MLP 784-1024×4-10, batch 512, Adam', metric: 'steps/s', gradscope: oursWide.stepsPerSec, tfjs: tfWide, jax: jaxWide }));
  log(`  wide MLP: ${oursWide.stepsPerSec.toFixed(2)} steps/s, tfjs ${tfWide?.toFixed(2) ?? '-'}, jax-js ${jaxWide?.toFixed(2) ?? '-'}`);

  const gan: GanShape = { latent: 64, hidden: 512, batch: 256 };
  const gn = quick ? 3 : 10;
  const oursGan = await gradscopeGanSteps(ctx, gan, gn);
  const tfGan = await attempt('tfjs GAN', () => tfjsGanSteps(peers, gan, gn));
  rows.push(ratioVsBest({ case: 'GAN 64-512×2-2 / 2-512×2-1, batch 256, Adam', metric: 'steps/s', gradscope: oursGan, tfjs: tfGan, jax: null, note: 'one D and one G update per step; jax-js not run (no GAN written for it)' }));
  log(`  GAN: ${oursGan.toFixed(2)} steps/s, tfjs ${tfGan?.toFixed(2) ?? '-'}`);

  const tiny: MlpShape = { input: 2, hidden: 16, depth: 8, output: 3, batch: 32, activation: 'tanh' };
  const tn = quick ? 50 : 300;
  const t = await gradscopeSteps(ctx, mlpSpec(tiny), makeToyDataset({ name: 'spiral', classes: 3, samples: 1000, noise: 0.1, test_fraction: 0.2 }, 1), tn);
  const tfTiny = await attempt('tfjs tiny', () => tfjsSteps(peers, tiny, Math.round(tn / 3)));
  const jaxTiny = await attempt('jax-js tiny', () => jaxSteps(peers, tiny, Math.round(tn / 3)));
  rows.push(ratioVsBest({ case: 'tiny 2-16×8-3, batch 32', metric: 'steps/s', gradscope: t.stepsPerSec, tfjs: tfTiny, jax: jaxTiny }));
  extra.tiny = { submitsPerStep: t.submitsPerStep, readbacksPerStep: t.readbacksPerStep };
  log(`  tiny: ${t.stepsPerSec.toFixed(1)} steps/s, ${t.submitsPerStep} submits/step, ${t.readbacksPerStep} readbacks/step`);

  rows.push(...(await benchRecurrent(ctx, peers, quick, log, attempt)));

  const deep: MlpShape = { input: 2, hidden: 64, depth: 50, output: 3, batch: 64, activation: 'tanh' };
  const data = makeToyDataset({ name: 'spiral', classes: 3, samples: 1000, noise: 0.1, test_fraction: 0.2 }, 1);
  // A third setting identical to the baseline (log_every 10⁶) shows the noise floor of the figures.
  const paired = await diagnosticsCostPercent(ctx, mlpSpec(deep), data, [1, 10, 1_000_000], 10, quick ? 31 : 61);
  const [off, on, on10] = paired.stepsPerSec;
  extra.deep = { stepsPerSecNoDiagnostics: off, stepsPerSecDiagnosticsEveryStep: on, stepsPerSecDiagnosticsEvery10: on10, controlCostPercent: paired.cost[2] };
  rows.push({ case: 'deep 50×64, diagnostics every step', metric: 'cost % of step', gradscope: paired.cost[0], tfjs: null, jax: null, ratio: null });
  rows.push({ case: 'deep 50×64, diagnostics every 10 steps', metric: 'cost % of step', gradscope: paired.cost[1], tfjs: null, jax: null, ratio: null });
  log(`  deep: ${off.toFixed(1)} steps/s without diagnostics, ${on.toFixed(1)} with them every step, ${on10.toFixed(1)} every 10; control (identical to without): ${paired.cost[2].toFixed(1)}%`);

  // Memory: what the pool holds after a trainer is built vs parameters + grads + Adam moments + activations kept for backward.
  const before = ctx.pool.counts;
  const trainer = new Trainer(ctx, mlpSpec(mlp), syntheticData(784, 10, 1024));
  const m = trainer.model;
  const activations = trainer.graph.nodes.reduce((a, node) => a + node.output.size, 0) + trainer.graph.input.size;
  const minimum = 4 * (4 * m.paramCount + activations);
  await trainSteps(trainer, 10);
  const after10 = ctx.pool.counts;
  await trainSteps(trainer, quick ? 200 : 2000);
  const after = ctx.pool.counts;
  trainer.dispose();
  extra.memory = { minimumBytes: minimum, allocatedBytes: after10.inUseBytes - before.inUseBytes, growthBytes: after.inUseBytes - after10.inUseBytes, growthBuffers: after.inUse - after10.inUse, steps: quick ? 200 : 2000 };
  rows.push({ case: 'MLP memory in use / theoretical minimum', metric: 'ratio', gradscope: (after10.inUseBytes - before.inUseBytes) / minimum, tfjs: null, jax: null, ratio: null });
  log(`  memory: ${((after10.inUseBytes - before.inUseBytes) / 1e6).toFixed(2)} MB in use vs ${(minimum / 1e6).toFixed(2)} MB minimum; growth over ${quick ? 200 : 2000} steps: ${after.inUseBytes - after10.inUseBytes} bytes`);
  return { rows, extra };
}
