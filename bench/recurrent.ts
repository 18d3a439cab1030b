// The LSTM adding step (examples/adding.json: T = 100, batch 32, 32 units, a dense head, MSE,
// Adam) against TensorFlow.js on its WebGPU backend. tfjs-core's LSTM is the basicLSTMCell op
// (the cell tfjs-layers' LSTM unrolls to; tfjs-layers is not a dependency), unrolled over the
// 100 steps inside optimizer.minimize. jax-js has no recurrent layer: no jax figure.
import type { GpuContext } from '../src/gpu/context';
import { makeToyDataset } from '../src/engine/data';
import { parseSpec, type Spec } from '../src/engine/spec';
import type { Peers } from './peers';
import { ratioVsBest, tfjsStepsPerSec, type Row } from './timing';
import { Trainer } from '../src/engine/trainer';
import { gradscopeSteps, pairedCostPercent } from './training';

export const ADDING = { time: 100, batch: 32, units: 32, features: 2 } as const;

export function lstmAddingSpec(): Spec {
  return parseSpec({
    model: { input: ADDING.features, layers: [{ type: 'lstm', units: ADDING.units, forget_bias: 1 }, { type: 'dense', units: 1 }] },
    loss: 'mse', optimizer: { type: 'adam', lr: 0.01 }, clip: { global_norm: 1 },
    data: { name: 'adding', samples: 2000, seq_len: ADDING.time }, batch_size: ADDING.batch, steps: 1, seed: 1, log_every: 1_000_000,
  });
}

export async function tfjsLstmSteps(peers: Peers, steps: number): Promise<number | null> {
  const tf = peers.tf;
  if (!tf) return null;
  const { time: T, batch: B, units: H, features: F } = ADDING;
  const init = (n: number, scale: number) => Float32Array.from({ length: n }, (_, k) => Math.sin(k * 1.7) * scale);
  const kernel = tf.variable(tf.tensor2d(init((F + H) * 4 * H, 1 / Math.sqrt(H)), [F + H, 4 * H]));
  const bias = tf.variable(tf.zeros([4 * H])) as import('@tensorflow/tfjs-core').Variable<import('@tensorflow/tfjs-core').Rank.R1>;
  const wOut = tf.variable(tf.tensor2d(init(H, 1 / Math.sqrt(H)), [H, 1]));
  const bOut = tf.variable(tf.zeros([1]));
  const xs = Array.from({ length: T }, (_, t) => tf.tensor2d(init(B * F, 0.5).map((v, i) => v + t * 1e-3 * (i % 3)), [B, F]));
  const y = tf.tensor2d(init(B, 1).map((v) => 1 + v), [B, 1]);
  const forget = tf.scalar(1);
  const opt = tf.train.adam(0.01);
  const step = () => opt.minimize(() => {
    let c: import('@tensorflow/tfjs-core').Tensor2D = tf.zeros([B, H]);
    let h: import('@tensorflow/tfjs-core').Tensor2D = tf.zeros([B, H]);
    for (const x of xs) [c, h] = tf.basicLSTMCell(forget, kernel, bias, x, c, h);
    return tf.losses.meanSquaredError(y, tf.add(tf.matMul(h, wOut), bOut)) as import('@tensorflow/tfjs-core').Scalar;
  }, true);
  const rate = await tfjsStepsPerSec(() => step()!, steps, 1);
  opt.dispose();
  tf.dispose([kernel, bias, wOut, bOut, ...xs, y, forget]);
  return rate;
}

export async function benchRecurrent(ctx: GpuContext, peers: Peers, quick: boolean, log: (s: string) => void, attempt: (what: string, f: () => Promise<number | null>) => Promise<number | null>): Promise<Row[]> {
  const spec = lstmAddingSpec();
  const ours = await gradscopeSteps(ctx, spec, makeToyDataset(spec.data, 1), quick ? 10 : 40);
  const tfRate = await attempt('tfjs LSTM', () => tfjsLstmSteps(peers, quick ? 2 : 5));
  // The same step with every time step its own dispatch each way (the path large layers take),
  // in rotated rounds against the persistent path: a lone run of the per-step path swung 17-24
  // steps/s between runs on an idle 2-core host; the median of paired ratios holds still.
  const paths = [{}, { perStepRecurrence: true }].map((o) => new Trainer(ctx, spec, makeToyDataset(spec.data, 1), o));
  const { cost: [perStepCost], stepsPerSec: [, perStepRate] } = await pairedCostPercent(paths, 10, quick ? 5 : 11);
  const speedup = 1 + perStepCost / 100;
  log(`  LSTM adding: ${ours.stepsPerSec.toFixed(2)} steps/s (${perStepRate.toFixed(2)} with a dispatch per time step: ${speedup.toFixed(2)}x, median of paired rounds), tfjs ${tfRate?.toFixed(2) ?? '-'}`);
  return [
    ratioVsBest({ case: 'LSTM adding T=100, batch 32, 32 units, Adam', metric: 'steps/s', gradscope: ours.stepsPerSec, tfjs: tfRate, jax: null }),
    { case: 'LSTM adding: one dispatch each way vs one per time step', metric: 'speedup', gradscope: speedup, tfjs: null, jax: null, ratio: null, note: `per-step path ${perStepRate.toFixed(2)} steps/s; median over ${quick ? 5 : 11} rounds of 10 steps each way` },
  ];
}
