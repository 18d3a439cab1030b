// The peers gradscope is measured against, in this process on the same adapter: TensorFlow.js on
// its WebGPU backend and jax-js on WebGPU. navigator.gpu must exist before either is imported
// (in Node, peers_node.ts makes it from Dawn; a browser has it).
export interface Peers {
  tf: typeof import('@tensorflow/tfjs-core') | null;
  jax: typeof import('@jax-js/jax') | null;
  notes: string[];
}

export async function startPeers(): Promise<Peers> {
  const notes: string[] = [];
  let tf: Peers['tf'] = null;
  let jax: Peers['jax'] = null;
  try {
    tf = await import('@tensorflow/tfjs-core');
    // registers the gradients minimize() needs (the tfjs union package would import it)
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu')) || tf.getBackend() !== 'webgpu') throw new Error(`backend is ${tf.getBackend()}`);
    notes.push(`tfjs ${tf.version_core}: backend ${tf.getBackend()}`);
  } catch (e) {
    notes.push(`tfjs unavailable: ${(e as Error).message}`);
    tf = null;
  }
  try {
    jax = await import('@jax-js/jax');
    const devices = await jax.init();
    if (!devices.includes('webgpu')) throw new Error(`devices are ${devices.join(', ')}`);
    jax.defaultDevice('webgpu');
    notes.push('jax-js: device webgpu');
  } catch (e) {
    notes.push(`jax-js unavailable: ${(e as Error).message}`);
    jax = null;
  }
  return { tf, jax, notes };
}
