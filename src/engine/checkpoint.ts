// Checkpoints as safetensors with PyTorch's names and layouts, so a file loads into the
// equivalent torch.nn model with load_state_dict: the run's spec goes in __metadata__.
// Loading validates the whole file against the model first and writes nothing unless all of it
// fits: a rejected file leaves the model unchanged.
import type { Tensor } from '../gpu/tensor';
import type { ModelInfo } from './model';
import { asFloat32, f32Tensor, readSafetensors, SafetensorsError, writeSafetensors, type StTensor } from './safetensors';
import type { Spec } from './spec';

export interface CheckpointSource {
  model: ModelInfo;
  spec: Spec;
  step: number;
  params: Tensor;
  states: Tensor;
}

export async function saveCheckpoint(src: CheckpointSource): Promise<Uint8Array> {
  return writeSafetensors(await checkpointTensors(src), { format: 'gradscope', spec: JSON.stringify(src.spec), step: String(src.step) });
}

/** A model's tensors under their PyTorch names (several models can share one file). */
export async function checkpointTensors(src: Omit<CheckpointSource, 'spec'>): Promise<Record<string, StTensor>> {
  const [params, states] = await Promise.all([src.params.download(), src.states.download()]);
  return tensorsOf(src.model, src.step, params as Float32Array, states as Float32Array);
}

/** checkpointTensors of flat parameters and states already on the CPU, laid out as `model` says. */
export function tensorsOf(model: ModelInfo, step: number, params: Float32Array, states: Float32Array): Record<string, StTensor> {
  const tensors: Record<string, StTensor> = {};
  for (const p of model.params) tensors[p.name] = f32Tensor(p.shape, params.slice(p.offset, p.offset + p.size));
  for (const s of model.states) tensors[s.name] = f32Tensor([s.size], states.slice(s.offset, s.offset + s.size));
  // PyTorch's BatchNorm1d also saves how many training batches it has seen (int64 scalar).
  for (const l of model.flat.filter((l) => l.spec.type === 'batchnorm')) {
    const count = new BigInt64Array([BigInt(step)]);
    tensors[`${l.prefix}.num_batches_tracked`] = { dtype: 'I64', shape: [], data: new Uint8Array(count.buffer) };
  }
  return tensors;
}

/**
 * Checks a checkpoint against the model and returns what to write; throws SafetensorsError naming
 * the first problem (missing, extra or mis-shaped tensor; wrong dtype).
 */
export function validateCheckpoint(model: ModelInfo, bytes: Uint8Array): { params: Float32Array; states: Float32Array; metadata: Record<string, string> } {
  const { tensors, metadata } = readSafetensors(bytes);
  return { ...validateTensors(model, tensors), metadata };
}

/** validateCheckpoint on tensors already read (a GAN file holds two models: each its own part). */
export function validateTensors(model: ModelInfo, tensors: Record<string, StTensor>): { params: Float32Array; states: Float32Array } {
  const params = new Float32Array(model.paramElements);
  const states = new Float32Array(model.stateElements);
  const expected = new Set<string>();
  const take = (name: string, shape: number[], into: Float32Array, offset: number) => {
    expected.add(name);
    const t = tensors[name];
    if (!t) throw new SafetensorsError(`missing tensor ${name} [${shape}] that the model needs`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new SafetensorsError(`${name}: shape [${t.shape}] does not match the model's [${shape}]`);
    }
    into.set(asFloat32(t, name), offset);
  };
  for (const p of model.params) take(p.name, p.shape, params, p.offset);
  for (const s of model.states) take(s.name, [s.size], states, s.offset);
  for (const l of model.flat.filter((l) => l.spec.type === 'batchnorm')) expected.add(`${l.prefix}.num_batches_tracked`);
  const extra = Object.keys(tensors).filter((n) => !expected.has(n));
  if (extra.length) throw new SafetensorsError(`tensor ${extra[0]} is not part of this model${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}`);
  return { params, states };
}

/** Validates, then writes parameters and running statistics to the GPU (all or nothing). */
export function loadCheckpoint(dst: CheckpointSource, bytes: Uint8Array): Record<string, string> {
  const { params, states, metadata } = validateCheckpoint(dst.model, bytes);
  const queue = dst.params.ctx.device.queue;
  queue.writeBuffer(dst.params.buffer, dst.params.offset, params);
  queue.writeBuffer(dst.states.buffer, dst.states.offset, states);
  return metadata;
}
