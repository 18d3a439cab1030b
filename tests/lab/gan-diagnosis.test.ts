// The GAN diagnosis rules against the real engine (lavapipe, seed 1): the saturating preset's
// generator is diagnosed with vanishing gradients and its non-saturating twin is not; the optimal-D
// preset's discriminator is diagnosed as overpowering; a balanced GAN on the ring gets neither.
import { describe, expect, it } from 'vitest';
import { GanDiagnoser } from '../../src/engine/diagnosis/gan';
import { makeGanDataset } from '../../src/engine/gan/data';
import { parseGanSpec, type GanSpec } from '../../src/engine/gan/spec';
import { GanTrainer } from '../../src/engine/gan/trainer';
import { trainSteps } from '../../src/engine/loop';
import { GAN_PRESETS, ganPresetSettings } from '../../src/lab/ui/gan_presets';
import { ganSettingsToSpec } from '../../src/lab/ui/gan_settings';
import { readFileSync } from 'node:fs';
import { useGpu } from '../gpu';

describe('GAN diagnosis on the engine', () => {
  const gpu = useGpu();

  async function diagnose(spec: GanSpec, steps: number): Promise<GanDiagnoser> {
    const d = new GanDiagnoser(spec);
    const t = await GanTrainer.create(gpu(), spec, makeGanDataset(spec.data, spec.seed));
    try {
      t.onStep((r) => d.push(r));
      await trainSteps(t, steps);
    } finally {
      t.dispose();
    }
    return d;
  }
  const ever = (d: GanDiagnoser) => d.history.map((h) => h.kind);
  const preset = (name: string, logEvery: number) => ganPresetSettings(GAN_PRESETS.find((p) => p.name.startsWith(name))!).map((s) => ({ ...ganSettingsToSpec(s), log_every: logEvery }));

  it('saturating vs non-saturating: generator_gradients_vanishing for the saturating run only, its evidence naming D(G(z))', async () => {
    const [sat, ns] = preset('Saturating vs non-saturating', 1);
    const dSat = await diagnose(sat, 40);
    const dNs = await diagnose(ns, 40);
    expect(ever(dSat)).toContain('generator_gradients_vanishing');
    const f = dSat.current.find((x) => x.kind === 'generator_gradients_vanishing')!;
    expect(f.evidence).toMatch(/median D\(G\(z\)\) \d\.\de-\d+ over steps/);
    expect(f.advice[0].text).toMatch(/non_saturating/);
    expect(ever(dNs)).not.toContain('generator_gradients_vanishing');
  });

  it('a discriminator trained to optimality is diagnosed as overpowering', async () => {
    const [sat] = preset('A discriminator trained to optimality', 10);
    const d = await diagnose(sat, 400);
    expect(d.current.map((x) => x.kind)).toContain('discriminator_overpowering');
    expect(d.current.map((x) => x.kind)).toContain('generator_gradients_vanishing');
  });

  it('a balanced GAN on the ring (examples/gan-ring.json, 300 steps) gets no finding', async () => {
    const spec = parseGanSpec({ ...JSON.parse(readFileSync('examples/gan-ring.json', 'utf8')), steps: 300, log_every: 10 });
    const d = await diagnose(spec, 300);
    expect(d.history).toEqual([]);
  });
});
