// A GAN step against TensorFlow.js: a non-saturating GAN on the ring of 8 Gaussians with two
// hidden layers of `hidden` units in each network (ReLU in G, leaky ReLU in D), batch `batch`,
// Adam (β1 0.5) for both, d_steps 1. gradscope runs the whole adversarial step in one submit
// (src/engine/gan/trainer.ts); tfjs runs D's and G's `optimizer.minimize` one after the other.
import type { GpuContext } from '../src/gpu/context';
import { makeGanDataset } from '../src/engine/gan/data';
import { parseGanSpec } from '../src/engine/gan/spec';
import { GanTrainer } from '../src/engine/gan/trainer';
import type { Peers } from './peers';
import { tfjsStepsPerSec } from './timing';
import { timedSteps } from './training';

export interface GanShape { latent: number; hidden: number; batch: number }

export function ganSpec(s: GanShape) {
  const net = (fn: string, out: number) => ({ layers: [
    { type: 'dense', units: s.hidden }, { type: 'activation', fn },
    { type: 'dense', units: s.hidden }, { type: 'activation', fn },
    { type: 'dense', units: out }] });
  return parseGanSpec({
    gan: { latent: s.latent, noise: 'gaussian', generator: net('relu', 2), discriminator: net('leaky_relu', 1), generator_loss: 'non_saturating', d_steps: 1 },
    optimizer: { type: 'adam', lr: 1e-3, beta1: 0.5 }, data: { name: 'ring', samples: 4096, noise: 0.05 },
    batch_size: s.batch, steps: 1, seed: 1, log_every: 1_000_000,
  });
}

export async function gradscopeGanSteps(ctx: GpuContext, s: GanShape, steps: number): Promise<number> {
  const spec = ganSpec(s);
  return (await timedSteps(ctx, new GanTrainer(ctx, spec, makeGanDataset(spec.data, spec.seed)), steps)).stepsPerSec;
}

/**
 * tfjs steps/s on the same networks (Glorot-scaled deterministic weights: tf.randomNormal's
 * seedrandom breaks when bundled). Its noise and real batch are fixed tensors made once, so
 * tfjs skips the noise draw and the batch gather that gradscope does on the GPU every step.
 */
export async function tfjsGanSteps(peers: Peers, s: GanShape, steps: number): Promise<number | null> {
  const tf = peers.tf;
  if (!tf) return null;
  type T = import('@tensorflow/tfjs-core').Tensor;
  const mlp = (widths: number[], seed: number) => widths.slice(1).flatMap((fout, i) => {
    const fin = widths[i];
    const w = Float32Array.from({ length: fin * fout }, (_, k) => Math.sin(k + seed) * Math.sqrt(2 / (fin + fout)));
    return [tf.variable(tf.tensor2d(w, [fin, fout])), tf.variable(tf.zeros([fout]))];
  });
  const g = mlp([s.latent, s.hidden, s.hidden, 2], 1);
  const d = mlp([2, s.hidden, s.hidden, 1], 2);
  const run = (vars: typeof g, x: T, act: (h: T) => T) => {
    let h = x;
    for (let i = 0; i < vars.length / 2; i++) {
      h = tf.add(tf.matMul(h, vars[2 * i]), vars[2 * i + 1]);
      if (i < vars.length / 2 - 1) h = act(h);
    }
    return h;
  };
  const G = (z: T) => run(g, z, (h) => tf.relu(h));
  const D = (x: T) => run(d, x, (h) => tf.leakyRelu(h, 0.2));
  const z = tf.tensor2d(Float32Array.from({ length: s.batch * s.latent }, (_, i) => Math.sin(i * 1.3)), [s.batch, s.latent]);
  const real = tf.tensor2d(Float32Array.from({ length: s.batch * 2 }, (_, i) => 2 * Math.cos(i * 0.7)), [s.batch, 2]);
  const ones = tf.ones([s.batch, 1]);
  const zeros = tf.zeros([s.batch, 1]);
  const optD = tf.train.adam(1e-3, 0.5);
  const optG = tf.train.adam(1e-3, 0.5);
  type S = import('@tensorflow/tfjs-core').Scalar;
  const step = () => {
    optD.minimize(() => tf.add(tf.losses.sigmoidCrossEntropy(ones, D(real)), tf.losses.sigmoidCrossEntropy(zeros, D(G(z)))) as S, false, d);
    return optG.minimize(() => tf.losses.sigmoidCrossEntropy(ones, D(G(z))) as S, true, g)!;
  };
  const rate = await tfjsStepsPerSec(step, steps, 3);
  optD.dispose();
  optG.dispose();
  tf.dispose([z, real, ones, zeros, ...g, ...d]);
  return rate;
}
