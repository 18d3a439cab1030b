// Every GAN preset's sentence, checked against the real engine on the lab's own settings
// (ganSettingsToSpec, seed 1, the ring of 8 Gaussians). Thresholds leave a margin around the
// values measured on lavapipe (in the comments); the sentences claim orders of magnitude only.
import { describe, expect, it } from 'vitest';
import { GanTrainer } from '../../src/engine/gan/trainer';
import { makeGanDataset } from '../../src/engine/gan/data';
import type { GanStepRecord } from '../../src/engine/gan/record';
import { trainSteps } from '../../src/engine/loop';
import { GAN_PRESETS, ganPresetSettings } from '../../src/lab/ui/gan_presets';
import { ganSettingsToSpec } from '../../src/lab/ui/gan_settings';
import { useGpu } from '../gpu';

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

describe('the GAN presets say what the engine does', () => {
  const gpu = useGpu();

  /** Each run's records (every `logEvery` steps) after `steps` adversarial steps. */
  async function records(name: string, steps: number, logEvery: number): Promise<GanStepRecord[][]> {
    const preset = GAN_PRESETS.find((p) => p.name.startsWith(name))!;
    const out: GanStepRecord[][] = [];
    for (const s of ganPresetSettings(preset)) {
      const spec = { ...ganSettingsToSpec(s), log_every: logEvery };
      const t = await GanTrainer.create(gpu(), spec, makeGanDataset(spec.data, spec.seed));
      try {
        const recs: GanStepRecord[] = [];
        t.onStep((r) => recs.push(r));
        await trainSteps(t, steps);
        expect(t.stopped).toBeNull();
        out.push(recs);
      } finally {
        t.dispose();
      }
    }
    return out;
  }

  it('saturating vs non-saturating: with a fast discriminator, D(G(z)) < 1e-3, the saturating output gradient 2-3 orders of magnitude below, G\'s weights moving ~100x less', async () => {
    const [sat, ns] = (await records('Saturating vs non-saturating', 40, 1)).map((recs) => recs.filter((r) => r.step >= 10));
    const satNorm = median(sat.map((r) => r.gOutputGradNorm)); // 5.1e-4
    const nsNorm = median(ns.map((r) => r.gOutputGradNorm)); // 0.30
    expect(median(sat.map((r) => r.dFakeForG))).toBeLessThan(1e-3); // 1.6e-4
    expect(satNorm / nsNorm).toBeLessThan(1e-2); // 1.7e-3 (seeds 2 and 3 of a 2,000-sample ring: 5.4e-4, 2.4e-3)
    expect(satNorm / nsNorm).toBeGreaterThan(1e-4);
    // The generator's own weights get the same treatment: its first layer's gradient.
    const layer0 = (rs: GanStepRecord[]) => median(rs.map((r) => r.generator.params[0].gradNorm));
    expect(layer0(sat) / layer0(ns)).toBeLessThan(1e-2); // 8.5e-4
    // Every G weight tensor moves about a hundred times less (update/weight ratio, SGD + momentum).
    for (const k of sat[0].generator.params.flatMap((p, i) => (p.name.endsWith('.weight') ? [i] : []))) {
      const moved = (rs: GanStepRecord[]) => median(rs.map((r) => r.generator.params[k].updateRatio));
      expect(moved(sat) / moved(ns), sat[0].generator.params[k].name).toBeLessThan(3e-2); // 5.1e-3, 7.5e-3, 4.8e-3
    }
  });

  it('a discriminator trained to optimality: saturating gradients fall by more than two orders of magnitude, non-saturating ones grow', async () => {
    const [sat, ns] = await records('A discriminator trained to optimality', 400, 10);
    const at = (rs: GanStepRecord[], step: number) => rs.find((r) => r.step === step)!;
    const [satFrozen, satEnd, nsFrozen, nsEnd] = [at(sat, 10), at(sat, 400), at(ns, 10), at(ns, 400)];
    expect(satFrozen.dFakeForG).toBeGreaterThan(0.3); // 0.47
    expect(satEnd.dFakeForG).toBeLessThan(1e-3); // 1.9e-4
    expect(satEnd.gOutputGradNorm / satFrozen.gOutputGradNorm).toBeLessThan(1e-2); // 2.7e-3
    expect(satEnd.generator.params[0].gradNorm / satFrozen.generator.params[0].gradNorm).toBeLessThan(1e-2); // 1.2e-3
    expect(nsEnd.gOutputGradNorm).toBeGreaterThan(2 * nsFrozen.gOutputGradNorm); // 0.050 -> 0.61
    // G is frozen: its weights no longer move, and D meets the same generator in both runs.
    expect(satEnd.generator.params.every((p) => p.updateRatio === 0)).toBe(true);
    expect(nsEnd.dFakeForG).toBeCloseTo(satEnd.dFakeForG, 4);
  });
});
