// A model's seeded initial parameters and state on the CPU, in the flat layouts of ModelInfo:
// weights by their initialiser, recurrent layers by theirs, biases 0, norm gamma 1 and beta 0,
// weight-norm gains g = ‖v‖, batch norm running mean 0 and variance 1. Network.initialise uploads
// them; `gradscope export` writes them for PyTorch.
import { initWeights } from './init';
import type { ModelInfo } from './model';
import { initRecurrent } from './recurrent_init';
import { Rng } from './rng';
import { isRecurrent } from './spec';
import { initWeightNormGains } from './weight_norm_init';

/** A trainer's initial parameters for `seed` (the fork every single-network run draws from). */
export const initialRng = (seed: number) => new Rng(seed).fork(0x1417);

export function initialParameters(model: ModelInfo, rng: Rng): { params: Float32Array; states: Float32Array } {
  const params = new Float32Array(model.paramElements);
  for (const p of model.params) {
    const s = p.layer.spec;
    if (p.role === 'weight' && s.type === 'dense') params.set(initWeights(s, p.shape[0], p.shape[1], rng), p.offset);
    else if (p.role === 'gamma') params.fill(1, p.offset, p.offset + p.size);
  }
  for (const l of model.flat) if (isRecurrent(l.spec)) initRecurrent(l, params, rng);
  initWeightNormGains(model, params);
  return { params, states: initialStates(model) };
}

/** Batch-norm running statistics as PyTorch starts them: mean 0, variance 1. */
export function initialStates(model: ModelInfo): Float32Array {
  const states = new Float32Array(model.stateElements);
  for (const s of model.states) if (s.name.endsWith('running_var')) states.fill(1, s.offset, s.offset + s.size);
  return states;
}
