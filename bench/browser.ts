// The benchmark inside a page: the same cases as `npm run bench`, on the browser's WebGPU adapter,
// gradscope and both peers in this page. Options come from the query (?scope=quick&only=training);
// the result lands in window.__bench for scripts/bench-browser (playwright) to print.
import { GpuContext } from '../src/gpu/context';
import { openDevice } from '../src/gpu/device';
import { startPeers } from './peers';
import { runBench, type BenchOptions } from './run';

const q = new URLSearchParams(location.search);
const out = document.getElementById('log')!;
const log = (s: string) => {
  console.log(s);
  out.textContent += `\n${s}`;
};
const w = window as unknown as { __bench?: unknown };

try {
  const scope = (q.get('scope') ?? 'default') as BenchOptions['scope'];
  if (!['quick', 'default', 'full'].includes(scope)) throw new Error(`scope: expected quick, default or full, got "${scope}"`);
  if (!navigator.gpu) throw new Error('this browser has no WebGPU (navigator.gpu is missing)');
  const gpu = await openDevice(navigator.gpu);
  const ctx = new GpuContext(gpu);
  log(`adapter: ${gpu.adapter.name} (${gpu.adapter.vendor}, ${gpu.adapter.architecture})`);
  const peers = await startPeers();
  for (const n of peers.notes) log(`peer: ${n}`);
  const result = await runBench(ctx, peers, { scope, only: q.get('only') ?? undefined, variants: q.has('variants') }, log);
  w.__bench = { ok: true, adapter: gpu.adapter, features: [...gpu.features], scope, peers: peers.notes, userAgent: navigator.userAgent, ...result, date: new Date().toISOString() };
  ctx.destroy();
} catch (e) {
  log(`failed: ${(e as Error).message}`);
  w.__bench = { ok: false, error: (e as Error).message };
}
