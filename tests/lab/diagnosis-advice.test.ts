// The "Try this" changes that the presets' problem runs are offered: each is applied with
// applyChange to the run, trained again on the same seed, and every finding that offered it must
// be gone. The real engine, lab specs (seed 1), records every 10 steps.
import { describe, expect, it } from 'vitest';
import type { FindingKind } from '../../src/engine/diagnosis';
import { PRESETS, presetSettings } from '../../src/lab/ui/presets';
import { applyChange } from '../../src/lab/ui/diagnosis';
import type { Settings } from '../../src/lab/ui/settings';
import { useGpu } from '../gpu';
import { diagnose } from './diagnose';

describe('the Try-this changes offered on the presets', () => {
  const gpu = useGpu();

  /** Every change offered by any finding of `s` at the end, applied once each: the findings that offered it are gone. */
  async function everyOfferedChangeWorks(s: Settings, steps: number): Promise<string[]> {
    const d = await diagnose(gpu(), s, steps);
    const offers = new Map<string, FindingKind[]>();
    for (const f of d.current) for (const a of f.advice) if (a.change) offers.set(JSON.stringify(a.change), [...(offers.get(JSON.stringify(a.change)) ?? []), f.kind]);
    for (const [change, kinds] of offers) {
      const fixed = await diagnose(gpu(), applyChange(s, JSON.parse(change))!, steps);
      for (const k of kinds) expect(fixed.current.map((f) => f.kind), `${k} after ${change}`).not.toContain(k);
    }
    return [...offers.keys()].sort();
  }

  it('Glorot vs standard, sigmoid run (vanishing): relu + he_normal, tanh + glorot_uniform and batchnorm each remove it', async () => {
    const sigmoid = presetSettings(PRESETS.find((p) => p.name.startsWith('Glorot vs standard'))!)[0];
    expect(await everyOfferedChangeWorks(sigmoid, 150)).toEqual(['{"activation":"relu","init":"he_normal"}', '{"activation":"tanh","init":"glorot_uniform"}', '{"norm":"batch"}']);
  });

  it('Glorot vs standard, tanh/standard run and Weight norm, weight-norm run (tiny updates): glorot_uniform and batchnorm each remove them', async () => {
    const tanhStd = presetSettings(PRESETS.find((p) => p.name.startsWith('Glorot vs standard'))!)[1];
    expect(await everyOfferedChangeWorks(tanhStd, 150)).toEqual(['{"init":"glorot_uniform"}', '{"norm":"batch"}']);
    const weightNorm = presetSettings(PRESETS.find((p) => p.name.startsWith('Weight norm vs batch norm'))!)[1];
    expect(await everyOfferedChangeWorks(weightNorm, 150)).toEqual(['{"init":"glorot_uniform"}', '{"norm":"batch"}']);
  });

  it('He vs Glorot, Glorot run (vanishing, dead units, tiny updates): he_normal and batchnorm each remove them', async () => {
    const relu30 = presetSettings(PRESETS.find((p) => p.name.startsWith('He vs Glorot'))!)[0];
    expect(await everyOfferedChangeWorks(relu30, 200)).toEqual(['{"init":"he_normal"}', '{"norm":"batch"}']);
  });

  it('Batch norm, plain run (vanishing at depth 15): the same three changes each remove it', async () => {
    const sigmoid15 = presetSettings(PRESETS.find((p) => p.name.startsWith('Batch norm'))!)[0];
    expect(await everyOfferedChangeWorks(sigmoid15, 150)).toEqual(['{"activation":"relu","init":"he_normal"}', '{"activation":"tanh","init":"glorot_uniform"}', '{"norm":"batch"}']);
  });
});
