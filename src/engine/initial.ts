// A model's seeded initial parameters and state on the CPU, in the flat layouts of ModelInfo:
// weights by their initialiser, recurrent layers by theirs, biases 0, norm gamma 1 and beta 0,
// batch norm running mean 0 and variance 1. The trainer uploads them; `gradscope export` writes
// them for PyTorch.
import { initWeights } from './init';
import type { ModelInfo } from './model';
import { initRecurrent } from './recurrent_init';
import { Rng } from './rng';
import { isRecurrent } from './spec';

export function initialParameters(model: ModelInfo, seed: number): { params: Float32Array; states: Float32Array } {
  const rng = new Rng(seed).fork(0x1417);
  const params = new Float32Array(model.paramElements);
  for (const p of model.params) {
    const s = p.layer.spec;
    if (p.role === 'weight' && s.type === 'dense') params.set(initWeights(s, p.shape[0], p.shape[1], rng), p.offset);
    else if (p.role === 'gamma') params.fill(1, p.offset, p.offset + p.size);
  }
  for (const l of model.flat) if (isRecurrent(l.spec)) initRecurrent(l, params, rng);
  const states = new Float32Array(model.stateElements);
  for (const s of model.states) if (s.name.endsWith('running_var')) states.fill(1, s.offset, s.offset + s.size);
  return { params, states };
}
