// Every preset's expected-outcome sentence, checked against the real engine on the lab's own
// specs (settingsToSpec, seed 1, the 3-class spiral): gradient norms of the hidden weight
// tensors at step 1 and losses after STEPS steps. Thresholds leave a wide margin around the
// values measured on lavapipe (in the comments); the sentences only claim orders of magnitude.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/engine/dataset';
import type { StepRecord } from '../../src/engine/diagnostics';
import { trainSteps } from '../../src/engine/loop';
import { Trainer } from '../../src/engine/trainer';
import { PRESETS, presetSettings } from '../../src/lab/ui/presets';
import { settingsToSpec } from '../../src/lab/ui/settings';
import { useGpu } from '../gpu';

const STEPS = 150;

interface Outcome {
  /** Gradient norms at step 1 of the hidden weights (input layer and output layer left out), input side first. */
  hidden: number[];
  /** hidden[0] / hidden[last]: below 1 the gradient vanishes toward the input. */
  ratio: number;
  lossAtEnd: number;
  testAccuracy: number;
  stoppedAt: number | null;
  firstGlobalNorm: number;
}

describe('the presets say what the engine does', () => {
  const gpu = useGpu();

  async function outcomes(name: string, steps = STEPS): Promise<Outcome[]> {
    const preset = PRESETS.find((p) => p.name.startsWith(name))!;
    const out: Outcome[] = [];
    for (const s of presetSettings(preset)) {
      const spec = settingsToSpec(s);
      const t = await Trainer.create(gpu(), spec, await loadDataset(spec.data, spec.seed));
      try {
        const recs: StepRecord[] = [];
        t.onStep((r) => recs.push(r));
        await trainSteps(t, steps);
        const weights = t.model.params.filter((p) => p.role === 'weight').map((p) => p.name);
        const norms = weights.map((n) => recs[0].params.find((p) => p.name === n)!.gradNorm).slice(1, -1);
        const finite = recs.filter((r) => Number.isFinite(r.loss));
        const test = await t.evaluate('test');
        out.push({
          hidden: norms, ratio: norms[0] / norms[norms.length - 1], lossAtEnd: finite[finite.length - 1].loss,
          testAccuracy: test.accuracy ?? NaN, stoppedAt: t.stopped?.step ?? null, firstGlobalNorm: recs[0].globalGradNorm,
        });
      } finally {
        t.dispose();
      }
    }
    return out;
  }

  it('Glorot vs standard: sigmoid/standard vanishes, tanh/standard is flat but small, tanh/Glorot larger and learns', async () => {
    const [sigmoid, tanhStd, tanhGlorot] = await outcomes('Glorot vs standard');
    expect(sigmoid.ratio).toBeLessThan(1e-5); // 1.8e-7: "about seven orders of magnitude"
    expect(sigmoid.ratio).toBeGreaterThan(1e-9);
    expect(tanhStd.ratio).toBeGreaterThan(0.2); // 0.76: flat
    expect(tanhStd.ratio).toBeLessThan(5);
    expect(Math.min(...tanhGlorot.hidden)).toBeGreaterThan(10 * Math.max(...tanhStd.hidden)); // 0.24 vs 7e-3
    expect(tanhGlorot.lossAtEnd).toBeLessThan(tanhStd.lossAtEnd - 0.2); // 0.50 vs 1.01 at 200 steps
    expect(tanhStd.lossAtEnd).toBeLessThan(sigmoid.lossAtEnd);
  });

  it('He vs Glorot at depth 30: Glorot gradients ~1e-6 and the loss stays at ln 3; He near 0.1-1 and learning', async () => {
    const [glorot, he] = await outcomes('He vs Glorot');
    expect(Math.max(...glorot.hidden)).toBeLessThan(1e-4); // ~1e-6 .. 8.5e-6
    expect(Math.min(...he.hidden)).toBeGreaterThan(1e-2); // 0.14 .. 0.61
    expect(Math.abs(glorot.lossAtEnd - Math.log(3))).toBeLessThan(0.02);
    expect(he.lossAtEnd).toBeLessThan(0.8); // 0.30 at 200 steps
  });

  it('batch norm: ten orders of magnitude lost without it, a usable gradient and a falling loss with it', async () => {
    const [plain, bn] = await outcomes('Batch norm');
    expect(plain.ratio).toBeLessThan(1e-8); // 6.4e-12
    expect(bn.ratio).toBeGreaterThan(0.1); // 24
    expect(plain.lossAtEnd).toBeGreaterThan(1.05); // 1.11
    expect(bn.lossAtEnd).toBeLessThan(0.8); // 0.24 at 200 steps
  });

  it('plain vs residual at depth 32: the plain net starts hundreds of times steeper and trains slowly; residual fits', async () => {
    const [plain, residual] = await outcomes('Plain vs residual');
    expect(plain.ratio).toBeGreaterThan(100); // 470
    expect(residual.ratio).toBeLessThan(30); // 9
    expect(residual.ratio).toBeGreaterThan(1 / 30);
    expect(residual.testAccuracy).toBeGreaterThan(0.9); // 0.99 at 200 steps
    expect(plain.testAccuracy).toBeLessThan(residual.testAccuracy - 0.2); // 0.51
  });

  it('exploding: the unclipped run stops on non-finite values within a few steps, the clipped one trains', async () => {
    const [free, clipped] = await outcomes('Exploding');
    expect(free.firstGlobalNorm).toBeGreaterThan(10); // first gradients in the tens
    expect(free.stoppedAt).not.toBeNull();
    expect(free.stoppedAt!).toBeLessThanOrEqual(20); // 5
    expect(clipped.stoppedAt).toBeNull();
    expect(clipped.lossAtEnd).toBeLessThan(0.5); // 0.015 at 200 steps
  });
});
