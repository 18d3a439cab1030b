// The adversarial losses (shaders/gan_losses.wgsl) on a discriminator's logits [B, 1]: one term
// of a GAN loss per op (the discriminator's loss is two of them, one on the real batch and one on
// the generated batch, each averaged over its own batch). Each op writes d(mean ℓ)/dl (=) and
// out = [mean ℓ, mean value], value being σ(l) (the probability D gives "real") for the log
// losses and the raw output l for least squares.
import ganLossesWgsl from '../../shaders/gan_losses.wgsl?raw';
import activationFnsWgsl from '../../shaders/activation_fns.wgsl?raw';
import { f32, u32, runOnce, type GpuContext, type Op } from '../gpu/context';
import { foldGrid } from '../gpu/dispatch';
import { kernel, shaderFamily, withConstants } from '../gpu/shaders';
import type { Tensor } from '../gpu/tensor';
import { twoPass } from './losses';

const family = shaderFamily('gan_losses', ganLossesWgsl, [activationFnsWgsl]);
const partialsKernel = kernel(family, 'gan_loss_partials', { dlogits: 0, partial: 1, logits: 3, params: 5 });
const finalizeKernel = kernel(family, 'gan_loss_finalize', { out: 2, partial_in: 4, params: 5 });

/**
 * One term of a GAN loss, as the shader's KIND:
 *   bce         softplus(l) − t·l = BCE-with-logits(l, t)   (t = 1: "real", t = 0: "fake")
 *   saturating  log(1 − σ(l)) = −softplus(l)                 (the generator minimises it, Goodfellow et al. 2014)
 *   squares     ½(l − t)²                                   (LSGAN, Mao et al. 2017)
 */
export type GanLossTerm = { kind: 'bce'; target: number } | { kind: 'saturating' } | { kind: 'squares'; target: number };
const KIND = { bce: 0, saturating: 1, squares: 2 } as const;

export function ganLossOp(ctx: GpuContext, out: { out: Tensor; dlogits: Tensor }, logits: Tensor, term: GanLossTerm): Op {
  const op = 'ganLoss';
  const n = logits.size;
  if (logits.dtype !== 'f32' || out.dlogits.dtype !== 'f32' || out.out.dtype !== 'f32') throw new Error(`${op}: tensors must be f32`);
  if (out.dlogits.size !== n) throw new Error(`${op}: ${out.dlogits.label} has ${out.dlogits.size} elements, ${logits.label} has ${n}`);
  if (out.out.size !== 2) throw new Error(`${op}: ${out.out.label} must have 2 elements (mean loss, mean value)`);
  for (const o of [out.out, out.dlogits]) if (o.buffer === logits.buffer) throw new Error(`${op}: output ${o.label} may not share a buffer with input ${logits.label}`);
  if (n < 1) throw new Error(`${op}: no logits`);
  const target = term.kind === 'saturating' ? 0 : term.target;
  const constants = { KIND: KIND[term.kind] };
  const partials = Math.ceil(n / partialsKernel.workgroupSize);
  const label = `gan_losses.${term.kind}${term.kind === 'saturating' ? '' : `(t=${target})`}(${n})`;
  const p = [u32(n), u32(partials), f32(target), f32(1 / n)];
  return twoPass(ctx, label, ctx.pool.storage(2 * partials * 4, `${label}.scratch`), (scratch) => [
    ctx.op(withConstants(partialsKernel, constants), { dlogits: out.dlogits, partial: scratch, logits }, p, foldGrid(partials, ctx.maxWorkgroupsPerDimension), `${label}.partials`),
    ctx.op(finalizeKernel, { out: out.out, partial_in: scratch }, p, [1, 1, 1], `${label}.finalize`),
  ]);
}

/** Eager form. */
export const ganLoss = (ctx: GpuContext, out: { out: Tensor; dlogits: Tensor }, logits: Tensor, term: GanLossTerm) => runOnce(ctx, ganLossOp(ctx, out, logits, term));
