// A quick end-to-end proof that kernels run correctly on this adapter: used by the lab page on
// load and by `gradscope info`. Not a test suite: tests/ holds those.
import type { GpuContext } from './context';
import { add, scale } from '../kernels/elementwise';
import { empty, upload } from './tensor';

export interface SelfCheck {
  ok: boolean;
  elements: number;
  maxError: number;
  ms: number;
}

export async function selfCheck(ctx: GpuContext, elements = 100_003): Promise<SelfCheck> {
  const t0 = performance.now();
  const a = Float32Array.from({ length: elements }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: elements }, (_, i) => Math.cos(i));
  const ta = upload(ctx, a, [elements], 'f32', 'selfcheck.a');
  const tb = upload(ctx, b, [elements], 'f32', 'selfcheck.b');
  const out = empty(ctx, [elements], 'f32', 'selfcheck.out');
  try {
    add(ctx, out, ta, tb); // out = a + b
    scale(ctx, out, out, 0.5); // out = (a + b) / 2
    const got = await out.download();
    let maxError = 0;
    for (let i = 0; i < elements; i++) maxError = Math.max(maxError, Math.abs(got[i] - (a[i] + b[i]) / 2) || (Number.isNaN(got[i]) ? Infinity : 0));
    return { ok: maxError <= 1e-6, elements, maxError, ms: performance.now() - t0 };
  } finally {
    for (const t of [ta, tb, out]) t.dispose();
  }
}
