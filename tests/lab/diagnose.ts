// Shared by the diagnosis tests: trains lab settings on the real engine (records every 10 steps,
// the command line's default, to keep the files fast; the lab reads every 5) and returns the
// Diagnoser that read every record.
import type { GpuContext } from '../../src/gpu/context';
import { loadDataset } from '../../src/engine/dataset';
import type { StepRecord } from '../../src/engine/diagnostics';
import { Diagnoser } from '../../src/engine/diagnosis';
import { trainSteps } from '../../src/engine/loop';
import { Trainer } from '../../src/engine/trainer';
import { settingsToSpec, type Settings } from '../../src/lab/ui/settings';

export async function diagnose(ctx: GpuContext, s: Settings, steps: number, onRecord?: (r: StepRecord) => void): Promise<Diagnoser> {
  const spec = { ...settingsToSpec(s), log_every: 10 };
  const t = await Trainer.create(ctx, spec, await loadDataset(spec.data, spec.seed));
  try {
    const d = new Diagnoser(spec);
    t.onStep((r) => { d.push(r); onRecord?.(r); });
    await trainSteps(t, steps);
    return d;
  } finally {
    t.dispose();
  }
}
