// What a GAN step reports (every log_every adversarial steps): both networks' diagnostics records
// (the single-network StepRecord, per parameter tensor and per layer) and the adversarial
// scalars, read back together. This is the evidence a diagnosis reads: a generator whose
// gradients vanish has a tiny `gOutputGradNorm` while `dFakeForG` is near 0 (log losses); a
// discriminator overpowering its generator has `dReal` near 1, `dFake` near 0 and a falling
// `dLoss`.
import type { Diagnostics, StepRecord } from '../diagnostics';

/** Word offsets in the scalars buffer (256-byte aligned, so each is a bindable view). */
export const SCALARS = { real: 0, fake: 64, generator: 128, gOutputSq: 192, bytes: 256 * 4 } as const;

export interface GanStepRecord {
  /** Adversarial step: d_steps discriminator updates and one generator update. */
  step: number;
  /**
   * The generator's record, names `generator.layers.i.*`: per-tensor gradient norm (of the G loss,
   * through D), weight norm and update/weight ratio; per-layer activation statistics,
   * saturation and dead units; `loss` = gLoss; `logits` = the G step's samples G(z) [B, features].
   */
  generator: StepRecord;
  /**
   * The discriminator's record, names `discriminator.layers.i.*`, from the step's last D update:
   * gradients of the D loss (real and generated passes added), activation statistics of the pass
   * on the real batch; `loss` = dLoss; `logits` = D's logits on the real batch [B, 1].
   */
  discriminator: StepRecord;
  /** D's loss (its two terms each averaged over their batch) in the last D step, and its terms. */
  dLoss: number;
  dLossReal: number;
  dLossFake: number;
  /** G's loss in the G step. */
  gLoss: number;
  /**
   * Mean D(x) on the real batch and mean D(G(z)) on the generated batch of the last D step, and
   * mean D(G(z)) in the G step (after D's update: what G's gradient comes from). D(·) is the
   * probability σ(logit) for the saturating and non-saturating losses, the raw output for least squares.
   */
  dReal: number;
  dFake: number;
  dFakeForG: number;
  /**
   * ‖∂L_G/∂G(z)‖: the Frobenius norm over the batch of the gradient reaching the generator's
   * output (D's input gradient in the G step). Under the saturating loss each row is
   * −σ(l)/B · ∂l/∂x, under the non-saturating one −σ(−l)/B · ∂l/∂x: a confident D (l ≪ 0) makes
   * the first e^l times the second.
   */
  gOutputGradNorm: number;
  /** The first non-finite value of either network (its guard skipped that update). */
  nonFinite: { step: number; where: string } | null;
}

/** Splits one readback (D's diagnostics, G's, the scalars) into a GanStepRecord. */
export function parseGanRecord(data: ArrayBuffer, step: number, d: Diagnostics, g: Diagnostics): GanStepRecord {
  const discriminator = d.parse(data.slice(0, d.bytes), step);
  const generator = g.parse(data.slice(d.bytes, d.bytes + g.bytes), step);
  const s = new Float32Array(data, d.bytes + g.bytes, SCALARS.bytes / 4);
  const [dLossReal, dReal] = [s[SCALARS.real], s[SCALARS.real + 1]];
  const [dLossFake, dFake] = [s[SCALARS.fake], s[SCALARS.fake + 1]];
  const [gLoss, dFakeForG] = [s[SCALARS.generator], s[SCALARS.generator + 1]];
  const dLoss = dLossReal + dLossFake;
  discriminator.loss = dLoss;
  generator.loss = gLoss;
  return {
    step, generator, discriminator, dLoss, dLossReal, dLossFake, gLoss, dReal, dFake, dFakeForG,
    gOutputGradNorm: Math.sqrt(s[SCALARS.gOutputSq]),
    nonFinite: discriminator.nonFinite ?? generator.nonFinite,
  };
}
