// The GAN mode's settings: every preset and the extremes of every range build a valid spec; the
// URL round-trips several runs; untrusted URL values are refused field by field, named, and
// leave the defaults in place.
import { describe, expect, it } from 'vitest';
import { GAN_PRESETS, ganPresetSettings } from '../../src/lab/ui/gan_presets';
import { GAN_DEFAULTS, GAN_LIMITS, ganQueryToSettings, ganSettingsToQuery, ganSettingsToSpec, type GanSettings } from '../../src/lab/ui/gan_settings';

describe('GAN mode settings', () => {
  it('the defaults, every preset and both ends of every range build a valid GAN spec', () => {
    expect(ganSettingsToSpec(GAN_DEFAULTS).gan.generator.layers.length).toBe(5);
    for (const p of GAN_PRESETS) for (const s of ganPresetSettings(p)) expect(() => ganSettingsToSpec(s)).not.toThrow();
    for (const [key, [lo, hi]] of Object.entries(GAN_LIMITS)) {
      for (const v of [lo, hi]) expect(() => ganSettingsToSpec({ ...GAN_DEFAULTS, [key]: v }), `${key} = ${v}`).not.toThrow();
    }
  });

  it('round-trips several runs through the URL, writing only what differs', () => {
    expect(ganSettingsToQuery([GAN_DEFAULTS])).toBe('mode=gan');
    const runs = ganPresetSettings(GAN_PRESETS[1]);
    const q = ganSettingsToQuery(runs);
    expect(q).toMatch(/^mode=gan&runs=2&generatorLoss=saturating&/);
    expect(q).toContain('b.generatorLoss=non_saturating');
    expect(q).not.toContain('b.dLrLog10'); // the same as run A's
    expect(ganQueryToSettings(`?${q}`)).toEqual({ runs, rejected: [] });
  });

  it('refuses bad and hostile URL values by name and keeps the defaults', () => {
    const q = 'mode=gan&runs=2&generatorLoss=%3Cscript%3E&dSteps=1e9&seed=1.5&gActivation=constructor&b.gWidth=NaN&b.dLrLog10=-2&latent=0x10';
    const { runs, rejected } = ganQueryToSettings(q);
    expect(rejected).toEqual(['generatorLoss', 'dSteps', 'latent', 'gActivation', 'seed', 'b.gWidth']);
    const want: GanSettings = { ...GAN_DEFAULTS };
    expect(runs[0]).toEqual(want);
    expect(runs[1]).toEqual({ ...want, dLrLog10: -2 });
    expect(ganQueryToSettings('runs=7').rejected).toEqual(['runs']);
  });
});
