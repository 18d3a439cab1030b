// Everything a run needs to continue bit-identically, beyond the model checkpoint: optimizer
// moments, step, the batcher's position and RNG, the dropout RNG. Saved as a second safetensors
// file (the model file stays loadable by PyTorch's load_state_dict); loading validates all of it
// before anything changes.
import type { Tensor } from '../gpu/tensor';
import { Batcher } from './data';
import { asFloat32, f32Tensor, readSafetensors, SafetensorsError, writeSafetensors } from './safetensors';

export interface ResumeSource {
  step: number;
  optimizerBuffers: Tensor[];
  batcher: Batcher;
  dropoutRngState: number;
}

export async function saveTrainingState(s: ResumeSource): Promise<Uint8Array> {
  const tensors = Object.fromEntries(
    await Promise.all(s.optimizerBuffers.map(async (b, i) => [`optimizer.state${i}`, f32Tensor([b.size], (await b.download()) as Float32Array)] as const)),
  );
  const meta = { step: s.step, batcher: s.batcher.state, dropoutRng: s.dropoutRngState };
  return writeSafetensors(tensors, { format: 'gradscope-training-state', state: JSON.stringify(meta) });
}

export interface TrainingState {
  step: number;
  optimizer: Float32Array[];
  batcher: Batcher['state'];
  dropoutRng: number;
}

/** Parses and checks a training-state file against the run's sizes; throws SafetensorsError. */
export function readTrainingState(bytes: Uint8Array, sizes: { optimizer: number[]; samples: number }): TrainingState {
  const { tensors, metadata } = readSafetensors(bytes);
  if (metadata.format !== 'gradscope-training-state') throw new SafetensorsError('not a gradscope training-state file (metadata.format)');
  let meta: { step?: unknown; batcher?: Batcher['state']; dropoutRng?: unknown };
  try {
    meta = JSON.parse(metadata.state ?? '');
  } catch {
    throw new SafetensorsError('metadata.state is not JSON');
  }
  const step = meta.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw new SafetensorsError('metadata.state.step: expected a non-negative integer');
  const b = meta.batcher;
  if (!b || !Array.isArray(b.order) || b.order.length !== sizes.samples || !b.order.every((i) => Number.isInteger(i) && i >= 0 && i < sizes.samples)) {
    throw new SafetensorsError(`metadata.state.batcher: expected an order of ${sizes.samples} sample indices`);
  }
  if (!Number.isInteger(b.position) || b.position < 0 || b.position > sizes.samples || !Number.isInteger(b.epoch) || !Number.isInteger(b.rng)) {
    throw new SafetensorsError('metadata.state.batcher: bad position, epoch or rng');
  }
  if (!Number.isInteger(meta.dropoutRng)) throw new SafetensorsError('metadata.state.dropoutRng: expected an integer');
  const optimizer = sizes.optimizer.map((n, i) => {
    const t = tensors[`optimizer.state${i}`];
    if (!t) throw new SafetensorsError(`missing tensor optimizer.state${i}`);
    if (t.shape.length !== 1 || t.shape[0] !== n) throw new SafetensorsError(`optimizer.state${i}: shape [${t.shape}], expected [${n}]`);
    return asFloat32(t, `optimizer.state${i}`);
  });
  if (Object.keys(tensors).length !== sizes.optimizer.length) throw new SafetensorsError('training state holds tensors this optimizer does not have');
  return { step, optimizer, batcher: b, dropoutRng: meta.dropoutRng as number };
}
