// Float64 references for the GAN losses (src/kernels/gan_losses.ts), straight from their
// definitions, and the two-network losses of a GAN on given weights (through tests/ref/model.ts).
import type { GanLossTerm } from '../../src/kernels/gan_losses';
import type { LayerSpec } from '../../src/engine/spec';
import { forwardLayers, type Params } from './model';

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** ℓ(l) of one term, its derivative and D's value (σ(l), or l for least squares). */
export function term(l: number, t: GanLossTerm): { loss: number; grad: number; value: number } {
  // log(1 − σ(l)) = −softplus(l): the right side stays finite where 1 − σ(l) rounds to 0.
  if (t.kind === 'saturating') return { loss: -softplus(l), grad: -sigmoid(l), value: sigmoid(l) };
  if (t.kind === 'squares') return { loss: 0.5 * (l - t.target) ** 2, grad: l - t.target, value: l };
  return { loss: softplus(l) - t.target * l, grad: sigmoid(l) - t.target, value: sigmoid(l) };
}

/** Mean ℓ over the logits, d(mean ℓ)/dl, and mean value. */
export function ganLoss(logits: ArrayLike<number>, t: GanLossTerm) {
  const n = logits.length;
  const dlogits = new Float64Array(n);
  let loss = 0;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const r = term(logits[i], t);
    loss += r.loss;
    value += r.value;
    dlogits[i] = r.grad / n;
  }
  return { loss: loss / n, value: value / n, dlogits };
}

export type GeneratorLoss = 'saturating' | 'non_saturating' | 'least_squares';

/** The terms of D's loss (on real, on fake) and G's loss (on fake) for a generator loss. */
export function terms(g: GeneratorLoss): { real: GanLossTerm; fake: GanLossTerm; generator: GanLossTerm } {
  if (g === 'least_squares') return { real: { kind: 'squares', target: 1 }, fake: { kind: 'squares', target: 0 }, generator: { kind: 'squares', target: 1 } };
  return {
    real: { kind: 'bce', target: 1 }, fake: { kind: 'bce', target: 0 },
    generator: g === 'saturating' ? { kind: 'saturating' } : { kind: 'bce', target: 1 },
  };
}

export interface GanNets { generator: LayerSpec[]; discriminator: LayerSpec[] }

/**
 * D's loss and G's loss of a GAN in training mode (batch statistics; D sees the real and the
 * generated batch in separate passes) on noise z [B, latent] and real samples x [B, features];
 * parameters named as in checkpoints (generator.layers.i.*, discriminator.layers.i.*).
 */
export function ganLosses(nets: GanNets, g: GeneratorLoss, p: Params, z: Float64Array, x: Float64Array, B: number) {
  const t = terms(g);
  const fake = forwardLayers(nets.generator, 'generator.layers', { rows: B, cols: z.length / B, v: z }, p);
  const d = (v: Float64Array) => forwardLayers(nets.discriminator, 'discriminator.layers', { rows: B, cols: v.length / B, v }, p).v;
  const dFake = d(fake.v);
  return { dLoss: ganLoss(d(x), t.real).loss + ganLoss(dFake, t.fake).loss, gLoss: ganLoss(dFake, t.generator).loss, fake: fake.v };
}
