// The lab page's entry point: open WebGPU, show the adapter, prove kernels run, start the lab.
import { openBrowserDevice } from '../gpu/browser';
import { GpuContext } from '../gpu/context';
import { WebGpuUnavailableError } from '../gpu/device';
import { selfCheck } from '../gpu/selfcheck';
import { startLab } from './ui/app';
import { startGanLab } from './ui/gan_app';

const adapterEl = document.querySelector<HTMLElement>('#adapter')!;
const statusEl = document.querySelector<HTMLElement>('#status')!;

function setStatus(state: 'ok' | 'error' | 'pending', text: string): void {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

async function start(): Promise<void> {
  let ctx: GpuContext;
  try {
    const gpu = await openBrowserDevice();
    ctx = new GpuContext(gpu);
  } catch (e) {
    adapterEl.textContent = 'No WebGPU adapter.';
    adapterEl.className = 'help';
    setStatus('error', e instanceof WebGpuUnavailableError ? e.message : `Could not open WebGPU: ${(e as Error).message}`);
    return;
  }
  const features = [...ctx.gpu.features];
  adapterEl.textContent = `Adapter: ${ctx.gpu.adapter.name}${features.length ? ` (${features.join(', ')})` : ''}`;
  const check = await selfCheck(ctx);
  if (check.ok) setStatus('ok', `Kernel check passed: ${check.elements.toLocaleString()} elements, max error ${check.maxError.toExponential(1)}, ${check.ms.toFixed(0)} ms.`);
  else setStatus('error', `Kernel check FAILED: max error ${check.maxError} on ${check.elements} elements.`);
  const hook = { adapter: ctx.gpu.adapter, check, lab: null as unknown };
  (window as unknown as { gradscope: unknown }).gradscope = hook;
  if (!check.ok) return;
  const root = document.querySelector<HTMLElement>('#lab')!;
  // ?mode=gan: the GAN mode (src/lab/ui/gan_app.ts); its page object is hook.gan.
  if (new URLSearchParams(location.search).get('mode') === 'gan') {
    (hook as Record<string, unknown>).gan = await startGanLab(ctx, root);
    return;
  }
  const reopen = async () => new GpuContext(await openBrowserDevice());
  hook.lab = await startLab(ctx, root, reopen);
}

start().catch((e) => setStatus('error', `Unexpected error: ${(e as Error).stack ?? e}`));
