// Timing helpers: warm up, then the median of several repetitions, each a batch of `inner`
// operations ending in one GPU sync; returns milliseconds per operation.
const WARMUP_MS = 100;

export async function timeIt(run: (inner: number) => Promise<void>, opts: { inner: number; reps: number }): Promise<number> {
  // Warm-up: whole batches for at least WARMUP_MS, so pipelines are compiled and a hardware GPU's
  // clocks have ramped up whichever framework runs first.
  const start = performance.now();
  do await run(opts.inner);
  while (performance.now() - start < WARMUP_MS);
  const samples: number[] = [];
  for (let r = 0; r < opts.reps; r++) {
    const t0 = performance.now();
    await run(opts.inner);
    samples.push((performance.now() - t0) / opts.inner);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/**
 * A TensorFlow.js training step's rate: `warmup` steps, each synced, then `steps` steps with at most
 * two in flight (step i is queued, then step i−1's loss is read and disposed), as gradscope's loop
 * bounds its own queue. Unbounded, tfjs holds every queued step's buffers: five queued LSTM steps
 * (T = 100, unrolled) took 30,000 memory maps on lavapipe, and the bench then died in
 * vkCreateDescriptorPool at the kernel's 65,530-map limit. A read costs tfjs a few ms a step.
 */
export async function tfjsStepsPerSec(step: () => { data(): Promise<unknown>; dispose(): void }, steps: number, warmup: number): Promise<number> {
  for (let i = 0; i < warmup; i++) {
    const l = step();
    await l.data();
    l.dispose();
  }
  const t0 = performance.now();
  let previous = step();
  for (let i = 1; i < steps; i++) {
    const loss = step(); // queued while the previous step still runs: the CPU and GPU overlap
    await previous.data();
    previous.dispose();
    previous = loss;
  }
  await previous.data();
  const rate = steps / ((performance.now() - t0) / 1000);
  previous.dispose();
  return rate;
}

export interface Row {
  case: string;
  metric: string;
  gradscope: number | null;
  tfjs: number | null;
  jax: number | null;
  /** gradscope / best peer (higher is better for rates), or null. */
  ratio: number | null;
  note?: string;
}

export function ratioVsBest(row: Omit<Row, 'ratio'>, higherIsBetter = true): Row {
  const peers = [row.tfjs, row.jax].filter((v): v is number => v !== null && Number.isFinite(v));
  if (row.gradscope === null || peers.length === 0) return { ...row, ratio: null };
  const best = higherIsBetter ? Math.max(...peers) : Math.min(...peers);
  return { ...row, ratio: higherIsBetter ? row.gradscope / best : best / row.gradscope };
}

export function formatTable(rows: Row[]): string {
  const head = ['case', 'metric', 'gradscope', 'tfjs-webgpu', 'jax-js', 'vs best peer'];
  const cells = rows.map((r) => [r.case, r.metric, fmt(r.gradscope), fmt(r.tfjs), fmt(r.jax), r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
}
