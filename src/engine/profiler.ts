// Per-kernel GPU time from timestamp queries. In profiling mode every op runs in its own compute
// pass with timestampWrites (that perturbs the timing a little: profiling is a separate mode and
// says so); the step's timestamps are resolved into one buffer and read back asynchronously
// through a ReadbackRing. Without `timestamp-query`, only whole-step times are measured, from
// submit to onSubmittedWorkDone.
import type { GpuContext, Op } from '../gpu/context';
import { ReadbackRing } from './readback';

export interface KernelRow {
  kernel: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  medianMs: number;
  p95Ms: number;
  /** Achieved GFLOP/s (matmuls) or GB/s (others), from the ops' declared cost. */
  gflops: number | null;
  gbps: number | null;
  /** Share of the summed kernel time. */
  share: number;
}

interface TraceEvent { name: string; ts: number; dur: number }

export class Profiler {
  readonly timestamps: boolean;
  private querySet: GPUQuerySet | null = null;
  private resolve: GPUBuffer | null = null;
  private ring: ReadbackRing | null = null;
  private samples = new Map<string, { ms: number[]; flops: number; bytes: number }>();
  private trace: TraceEvent[] = [];
  private traceStart: bigint | null = null;
  private stepMs: number[] = [];
  steps = 0;

  constructor(readonly ctx: GpuContext, readonly maxOps: number) {
    this.timestamps = ctx.gpu.features.has('timestamp-query');
    if (this.timestamps) {
      const count = Math.min(4096, 2 * maxOps);
      this.querySet = ctx.device.createQuerySet({ label: 'profiler.timestamps', type: 'timestamp', count });
      this.resolve = ctx.device.createBuffer({ label: 'profiler.resolve', size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      this.ring = new ReadbackRing(ctx.device, count * 8, 4, 'profiler');
    }
  }

  /** What a figure can be trusted to: Chrome rounds timestamps to 100 µs unless told not to. */
  get precision(): string {
    if (!this.timestamps) return 'timestamp-query unavailable: whole-step times only (submit to onSubmittedWorkDone)';
    const browser = typeof navigator !== 'undefined' && /Chrome/.test(navigator.userAgent ?? '');
    return browser
      ? 'Chrome quantises timestamps to 0.1 ms; for exact figures start Chrome with --enable-dawn-features=allow_unsafe_apis (or --disable-dawn-features=timestamp_quantization)'
      : 'timestamps unquantised (Dawn in Node); each kernel runs in its own pass while profiling, which adds a little per-pass overhead';
  }

  /** Resolves when the next step's timestamps have a readback slot (the loop waits between steps). */
  readyToRecord(): Promise<void> {
    return this.ring?.slotFree() ?? Promise.resolve();
  }

  /** Records `ops` one pass each, with timestamps, then the resolve and readback copy. */
  record(encoder: GPUCommandEncoder, ops: readonly Op[]): () => void {
    const n = Math.min(ops.length, this.maxOps);
    if (!this.timestamps || !this.querySet || !this.resolve || !this.ring) {
      const pass = encoder.beginComputePass({ label: 'profiled step' });
      for (const op of ops) op.record(pass);
      pass.end();
      const t0 = performance.now();
      return () => void this.ctx.device.queue.onSubmittedWorkDone().then(() => this.stepMs.push(performance.now() - t0));
    }
    ops.forEach((op, i) => {
      const timed = i < n;
      const pass = encoder.beginComputePass({
        label: op.label,
        timestampWrites: timed ? { querySet: this.querySet!, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } : undefined,
      });
      op.record(pass);
      pass.end();
    });
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, this.resolve, 0);
    const labels = ops.slice(0, n).map((o) => ({ label: o.label, cost: o.cost }));
    const after = this.ring.record(encoder, this.resolve, (data) => this.collect(new BigInt64Array(data), labels));
    return () => after?.();
  }

  private collect(ns: BigInt64Array, ops: { label: string; cost?: Op['cost'] }[]): void {
    this.steps++;
    let stepTotal = 0;
    ops.forEach((op, i) => {
      const begin = ns[2 * i];
      const ms = Number(ns[2 * i + 1] - begin) / 1e6;
      if (!(ms >= 0)) return; // a reset or wrapped counter: drop the sample
      stepTotal += ms;
      let s = this.samples.get(op.label);
      if (!s) this.samples.set(op.label, (s = { ms: [], flops: 0, bytes: 0 }));
      s.ms.push(ms);
      s.flops += op.cost?.flops ?? 0;
      s.bytes += op.cost?.bytes ?? 0;
      this.traceStart ??= begin;
      if (this.trace.length < 200_000) this.trace.push({ name: op.label, ts: Number(begin - this.traceStart) / 1e3, dur: ms * 1e3 });
    });
    this.stepMs.push(stepTotal);
  }

  /** Waits for timestamps in flight. */
  flush(): Promise<void> {
    return this.ring?.flush() ?? this.ctx.device.queue.onSubmittedWorkDone();
  }

  /** Per-kernel statistics, slowest total first. */
  table(): KernelRow[] {
    const grand = [...this.samples.values()].reduce((a, s) => a + s.ms.reduce((x, y) => x + y, 0), 0);
    const rows = [...this.samples.entries()].map(([kernel, s]) => {
      const sorted = [...s.ms].sort((a, b) => a - b);
      const total = sorted.reduce((a, b) => a + b, 0);
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
      const seconds = total / 1e3;
      return {
        kernel, calls: sorted.length, totalMs: total, meanMs: total / sorted.length, medianMs: q(0.5), p95Ms: q(0.95),
        gflops: s.flops > 0 && seconds > 0 ? s.flops / seconds / 1e9 : null,
        gbps: s.flops === 0 && s.bytes > 0 && seconds > 0 ? s.bytes / seconds / 1e9 : null,
        share: grand > 0 ? total / grand : 0,
      };
    });
    return rows.sort((a, b) => b.totalMs - a.totalMs);
  }

  /** Mean GPU (or, without timestamps, submit-to-done) time of a profiled step, in ms. */
  get meanStepMs(): number {
    return this.stepMs.length ? this.stepMs.reduce((a, b) => a + b, 0) / this.stepMs.length : NaN;
  }

  /** Chrome / Perfetto trace (JSON object format): open in chrome://tracing or ui.perfetto.dev. */
  traceJson(): string {
    const events = this.trace.map((e) => ({ name: e.name, cat: 'gpu', ph: 'X', ts: e.ts, dur: e.dur, pid: 1, tid: 1 }));
    return JSON.stringify({ traceEvents: [{ name: 'process_name', ph: 'M', pid: 1, args: { name: `gradscope GPU (${this.ctx.gpu.adapter.name})` } }, ...events], displayTimeUnit: 'ms' });
  }

  /** The table as fixed-width text, for the command line. */
  format(): string {
    const rows = this.table();
    const w = Math.max(6, ...rows.map((r) => r.kernel.length));
    const head = `${'kernel'.padEnd(w)} ${'calls'.padStart(7)} ${'total ms'.padStart(10)} ${'mean ms'.padStart(9)} ${'median'.padStart(9)} ${'p95'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'GB/s'.padStart(7)} ${'share'.padStart(6)}`;
    const f = (x: number) => x.toFixed(3);
    const lines = rows.map((r) => `${r.kernel.padEnd(w)} ${String(r.calls).padStart(7)} ${r.totalMs.toFixed(1).padStart(10)} ${f(r.meanMs).padStart(9)} ${f(r.medianMs).padStart(9)} ${f(r.p95Ms).padStart(9)} ${(r.gflops?.toFixed(2) ?? '-').padStart(8)} ${(r.gbps?.toFixed(2) ?? '-').padStart(7)} ${(100 * r.share).toFixed(1).padStart(5)}%`);
    return [head, ...lines, `(${this.steps} profiled steps; mean step ${this.meanStepMs.toFixed(3)} ms; ${this.precision})`].join('\n');
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolve?.destroy();
    this.ring?.destroy();
  }
}
