// Node: the peers get navigator.gpu from a Dawn instance of their own before they are imported.
import { startPeers, type Peers } from './peers';

let keepAlive: unknown; // Dawn crashes if the GPU object is collected while in use

export async function startNodePeers(): Promise<Peers> {
  const dawn = await import('webgpu');
  keepAlive = dawn.create([]);
  (globalThis as unknown as { navigator: unknown }).navigator = { gpu: keepAlive, userAgent: 'Node.js' };
  return startPeers();
}
