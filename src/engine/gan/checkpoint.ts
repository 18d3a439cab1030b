// A GAN's checkpoint: one safetensors file with both networks under their prefixes
// (generator.layers.i.*, discriminator.layers.i.*), which load_state_dict accepts on a torch
// module with attributes `generator` and `discriminator`, each with `layers` an nn.Sequential.
// Loading validates the whole file (both parts, nothing extra) before writing anything.
import { checkpointTensors, validateTensors } from '../checkpoint';
import type { ModelInfo } from '../model';
import type { GanTrainer } from './trainer';
import type { NetName } from './spec';
import { readSafetensors, SafetensorsError, writeSafetensors, type StTensor } from '../safetensors';

const NETS: NetName[] = ['generator', 'discriminator'];

export async function saveGanCheckpoint(t: GanTrainer): Promise<Uint8Array> {
  const tensors: Record<string, StTensor> = {};
  for (const net of NETS) {
    const n = t.nets[net];
    Object.assign(tensors, await checkpointTensors({ model: n.model, step: t.step, params: n.params, states: n.states }));
  }
  return writeSafetensors(tensors, { format: 'gradscope-gan', spec: JSON.stringify(t.spec), step: String(t.step) });
}

/** Both networks' flat parameters and states from a GAN checkpoint, validated (no GPU needed). */
export function validateGanCheckpoint(models: Record<NetName, ModelInfo>, bytes: Uint8Array) {
  const { tensors, metadata } = readSafetensors(bytes);
  const stray = Object.keys(tensors).find((name) => !NETS.some((net) => name.startsWith(`${net}.`)));
  if (stray) throw new SafetensorsError(`tensor ${stray} belongs to neither network (names start with generator. or discriminator.)`);
  const parts = NETS.map((net) => {
    const mine = Object.fromEntries(Object.entries(tensors).filter(([name]) => name.startsWith(`${net}.`)));
    return { net, ...validateTensors(models[net], mine) };
  });
  return { parts, metadata };
}

export function loadGanCheckpoint(t: GanTrainer, bytes: Uint8Array): Record<string, string> {
  const { parts, metadata } = validateGanCheckpoint(t.models, bytes);
  const queue = t.ctx.device.queue;
  for (const { net, params, states } of parts) {
    const n = t.nets[net];
    queue.writeBuffer(n.params.buffer, n.params.offset, params);
    queue.writeBuffer(n.states.buffer, n.states.offset, states);
  }
  return metadata;
}
