// What normalisation costs per training step on one deep net (20 hidden tanh layers of 64, batch
// 64, Adam, the spiral): weight norm (its two row kernels per layer per step) and batch norm (its
// forward and backward per layer) against the plain dense net, measured in alternating rounds.
import type { GpuContext } from '../src/gpu/context';
import { makeToyDataset } from '../src/engine/data';
import { parseSpec } from '../src/engine/spec';
import { Trainer } from '../src/engine/trainer';
import { pairedCostPercent } from './training';
import type { Row } from './timing';

const DEPTH = 20;
const WIDTH = 64;

function deepSpec(norm: 'plain' | 'weight' | 'batch') {
  const layers: unknown[] = [];
  for (let i = 0; i < DEPTH; i++) {
    layers.push({ type: 'dense', units: WIDTH, init: 'glorot_uniform', ...(norm === 'weight' ? { weight_norm: true } : {}) });
    if (norm === 'batch') layers.push({ type: 'batchnorm' });
    layers.push({ type: 'activation', fn: 'tanh' });
  }
  layers.push({ type: 'dense', units: 3 });
  return parseSpec({
    model: { input: 2, layers }, loss: 'cross_entropy', optimizer: { type: 'adam', lr: 1e-3 },
    data: { name: 'spiral', classes: 3, samples: 1000 }, batch_size: 64, steps: 1, seed: 1, log_every: 1_000_000,
  });
}

export async function benchNormalisation(ctx: GpuContext, quick: boolean, log: (s: string) => void): Promise<{ rows: Row[]; extra: Record<string, unknown> }> {
  const data = makeToyDataset({ name: 'spiral', classes: 3, samples: 1000, noise: 0.1, test_fraction: 0.2 }, 1);
  const { cost: [weightCost, batchCost], stepsPerSec: [plain, weight, batch] } = await pairedCostPercent([deepSpec('plain'), deepSpec('weight'), deepSpec('batch')].map((spec) => new Trainer(ctx, spec, data)), 10, quick ? 15 : 41);
  const name = `deep ${DEPTH}×${WIDTH} tanh, batch 64`;
  log(`  normalisation (${name}): plain ${plain.toFixed(1)} steps/s, weight norm ${weight.toFixed(1)} (+${weightCost.toFixed(1)}%), batch norm ${batch.toFixed(1)} (+${batchCost.toFixed(1)}%)`);
  return {
    rows: [
      { case: `${name}: weight norm vs plain`, metric: 'cost % of step', gradscope: weightCost, tfjs: null, jax: null, ratio: null },
      { case: `${name}: batch norm vs plain`, metric: 'cost % of step', gradscope: batchCost, tfjs: null, jax: null, ratio: null },
    ],
    extra: { normalisation: { stepsPerSecPlain: plain, stepsPerSecWeightNorm: weight, stepsPerSecBatchNorm: batch } },
  };
}
