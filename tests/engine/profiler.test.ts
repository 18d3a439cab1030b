// The profiler on a real adapter: per-kernel rows from timestamp queries (every op of a step
// timed, shares summing to 1, matmuls with GFLOP/s), a trace that parses as Chrome trace JSON,
// and the whole-step fallback when the adapter has no timestamp-query.
import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { makeToyDataset } from '../../src/engine/data';
import { trainSteps } from '../../src/engine/loop';
import { Profiler } from '../../src/engine/profiler';
import { parseSpec } from '../../src/engine/spec';
import { Trainer } from '../../src/engine/trainer';
import { useGpu } from '../gpu';

const spec = parseSpec({
  model: { input: 2, layers: [{ type: 'dense', units: 16 }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 3 }] },
  loss: 'cross_entropy', optimizer: { type: 'sgd', lr: 0.1 }, data: { name: 'spiral', classes: 3, samples: 200 }, batch_size: 16, seed: 1,
});

describe('Profiler', () => {
  const gpu = useGpu();

  it('times every kernel of a step with timestamp queries and exports a Chrome trace', async () => {
    const ctx = gpu();
    if (!ctx.gpu.features.has('timestamp-query')) return; // covered by the fallback test below
    const t = new Trainer(ctx, spec, makeToyDataset(spec.data, 1));
    try {
      const p = t.startProfiling();
      await trainSteps(t, 30); // 8 steps in flight, 4 readback slots: the loop waits, drops nothing
      await p.flush();
      const rows = p.table();
      const kernels = rows.map((r) => r.kernel);
      for (const k of ['matmul.tB', 'matmul.tA', 'optimizer.sgd', 'clip.step_guard']) expect(kernels).toContain(k);
      expect(p.steps).toBe(30);
      expect(rows.find((r) => r.kernel === 'matmul.tB')!.calls).toBe(2 * 30); // two dense layers
      expect(rows.reduce((a, r) => a + r.share, 0)).toBeCloseTo(1, 6);
      for (const r of rows) expect(r.totalMs).toBeGreaterThanOrEqual(0);
      expect(rows.find((r) => r.kernel === 'matmul.tB')!.gflops).toBeGreaterThan(0);
      const trace = JSON.parse(p.traceJson());
      expect(trace.traceEvents.filter((e: { ph: string }) => e.ph === 'X').length).toBe(rows.reduce((a, r) => a + r.calls, 0));
      expect(p.format()).toMatch(/^kernel +calls +total ms/);
    } finally {
      t.dispose();
    }
  });

  it('falls back to whole-step times without timestamp-query, and says so', async () => {
    const real = gpu();
    const ctx = new GpuContext({ ...real.gpu, features: new Set() }); // same device, feature hidden
    const p = new Profiler(ctx, 4);
    expect(p.timestamps).toBe(false);
    expect(p.precision).toMatch(/timestamp-query unavailable/);
    const encoder = ctx.device.createCommandEncoder();
    const after = p.record(encoder, []);
    ctx.device.queue.submit([encoder.finish()]);
    after();
    await p.flush();
    await new Promise((r) => setTimeout(r, 10));
    expect(p.meanStepMs).toBeGreaterThanOrEqual(0);
    p.destroy();
    ctx.pool.trim();
  });
});
