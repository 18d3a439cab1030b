// A GAN's diagnosis: rules over a window of GanStepRecords (both networks' records and the
// adversarial scalars), tracked like the single-network findings. Two kinds:
//   generator_gradients_vanishing: the saturating loss while D rejects G's samples with
//     confidence, so ‖∂L_G/∂G(z)‖ (∝ D(G(z)) per sample) collapses (Goodfellow et al. 2014 §3;
//     Arjovsky & Bottou 2017);
//   discriminator_overpowering: D scores real samples near 1 and generated ones near 0 for the
//     whole window: it wins, and feeds G little it can use.
import type { GanStepRecord } from '../gan/record';
import type { GanSpec } from '../gan/spec';
import { median } from './rules';
import { limit } from './thresholds';
import { FindingTracker, type Advice, type Finding } from './index';

interface GanWindow {
  records: GanStepRecord[];
  full: boolean;
  /** The largest ‖∂L_G/∂G(z)‖ of the run so far. */
  peakOutputGrad: number;
  spec: GanSpec;
}
type GanRule = { kind: Finding['kind']; check(w: GanWindow): Omit<Finding, 'kind' | 'since_step'> | null };

const e = (x: number) => x.toExponential(1);
const steps = (rs: GanStepRecord[]) => `steps ${rs[0].step}-${rs[rs.length - 1].step}`;

function weakerDiscriminator(spec: GanSpec): Advice[] {
  const out: Advice[] = [];
  if (spec.gan.d_steps > 1) out.push({ text: `fewer discriminator steps per generator step (gan.d_steps ${spec.gan.d_steps} → 1)` });
  out.push({ text: `a lower discriminator learning rate (optimizer_d.lr ${spec.optimizer_d.lr} → ${spec.optimizer_d.lr / 10}) or a smaller discriminator` });
  return out;
}

const generatorVanishing: GanRule = {
  kind: 'generator_gradients_vanishing',
  check(w) {
    if (!w.full || w.spec.gan.generator_loss !== 'saturating') return null;
    const fake = median(w.records.map((r) => r.dFakeForG));
    const grad = median(w.records.map((r) => r.gOutputGradNorm));
    if (!(fake < limit('ganConfidentFake') && grad < limit('ganCollapse') * w.peakOutputGrad)) return null;
    const r = w.records[w.records.length - 1];
    return {
      severity: 'problem', where: [r.generator.params[0]?.name ?? 'generator'].filter(Boolean),
      evidence: `median D(G(z)) ${e(fake)} over ${steps(w.records)}: D rejects the generated samples with confidence, so the saturating loss log(1 − D(G(z))) is flat there and passes on D/(1 − D) ≈ ${e(fake / (1 - fake))} of the gradient the non-saturating loss would; ‖∂L_G/∂G(z)‖ ${e(grad)} is ${e(grad / w.peakOutputGrad)} of its peak ${e(w.peakOutputGrad)}; ${r.generator.params[0]?.name}'s gradient norm ${e(r.generator.params[0]?.gradNorm ?? NaN)}`,
      advice: [
        { text: 'the non-saturating generator loss (gan.generator_loss "non_saturating": maximise log D(G(z)), whose gradient is large exactly where this one vanishes)', preset: 'Saturating vs non-saturating' },
        { text: 'least squares (gan.generator_loss "least_squares"), whose gradient grows with the distance from the decision boundary' },
        ...weakerDiscriminator(w.spec),
      ],
    };
  },
};

const discriminatorOverpowering: GanRule = {
  kind: 'discriminator_overpowering',
  check(w) {
    if (!w.full) return null;
    const real = median(w.records.map((r) => r.dReal));
    const fake = median(w.records.map((r) => r.dFake));
    const c = limit('ganConfidentReal');
    if (!(real > c && fake < 1 - c)) return null;
    const lastLoss = w.records[w.records.length - 1].dLoss;
    return {
      severity: 'warning', where: [],
      evidence: `median D(x) ${real.toFixed(3)} and D(G(z)) ${e(fake)} over ${steps(w.records)} (D loss ${lastLoss.toFixed(3)}): the discriminator tells real from generated almost perfectly`,
      advice: [
        ...weakerDiscriminator(w.spec),
        ...(w.spec.gan.generator_loss === 'saturating' ? [{ text: 'the non-saturating generator loss, which keeps G learning against a confident D', preset: 'Saturating vs non-saturating' }] : []),
      ],
    };
  },
};

export const GAN_RULES: readonly GanRule[] = [generatorVanishing, discriminatorOverpowering];

export class GanDiagnoser extends FindingTracker {
  private window: GanStepRecord[] = [];
  private peak = 0;

  constructor(private spec: GanSpec, private rules: readonly GanRule[] = GAN_RULES) {
    super();
  }

  /** Reads one record; returns the findings that appeared with it. */
  push(r: GanStepRecord): Finding[] {
    if (Number.isFinite(r.gOutputGradNorm)) this.peak = Math.max(this.peak, r.gOutputGradNorm);
    const span = Math.max(limit('windowSteps') / 4, limit('minRecords') * this.spec.log_every); // adversarial steps are slower: a shorter window
    this.window.push(r);
    while (this.window.length > 1 && this.window[0].step <= r.step - span) this.window.shift();
    const w: GanWindow = { records: this.window, full: this.window.length >= limit('minRecords'), peakOutputGrad: this.peak, spec: this.spec };
    const seen = this.rules.flatMap((rule) => {
      const f = rule.check(w);
      return f ? [{ kind: rule.kind, ...f }] : [];
    });
    return this.update(seen, r.step, this.window[0].step);
  }
}
