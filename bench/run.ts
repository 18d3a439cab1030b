// The benchmark itself, wherever it runs: Node (bench/main.ts, Dawn) or the system Chromium
// (bench/browser.ts through scripts/bench-browser). gradscope and the peers on one adapter; rows
// of rates with ratios against the faster peer. Never asserts a time.
import type { GpuContext } from '../src/gpu/context';
import { benchMatmul, matmulCases } from './matmul';
import type { Peers } from './peers';
import type { Row } from './timing';
import { benchTraining } from './training';
import { benchNormalisation } from './normalisation';

export interface BenchOptions {
  scope: 'quick' | 'default' | 'full';
  /** matmul | training | normalisation; all when absent */
  only?: string;
  variants?: boolean;
}

export const BENCH_PARTS = ['matmul', 'training', 'normalisation'] as const;

export async function runBench(ctx: GpuContext, peers: Peers, o: BenchOptions, log: (s: string) => void): Promise<{ rows: Row[]; extra: Record<string, unknown> }> {
  if (o.only !== undefined && !(BENCH_PARTS as readonly string[]).includes(o.only)) throw new Error(`--only: expected one of ${BENCH_PARTS.join(', ')}, got "${o.only}"`);
  const rows: Row[] = [];
  let extra: Record<string, unknown> = {};
  if (!o.only || o.only === 'matmul') {
    log('matmul:');
    rows.push(...(await benchMatmul(ctx, peers, matmulCases(o.scope), o.scope === 'quick' ? { reps: 3, rounds: 1 } : { reps: 5, rounds: 3 }, log, o.variants)));
  }
  if (!o.only || o.only === 'training') {
    log('training:');
    const t = await benchTraining(ctx, peers, o.scope === 'quick', log);
    rows.push(...t.rows);
    extra = t.extra;
  }
  if (!o.only || o.only === 'training' || o.only === 'normalisation') {
    const n = await benchNormalisation(ctx, o.scope === 'quick', log);
    rows.push(...n.rows);
    extra = { ...extra, ...n.extra };
  }
  return { rows, extra };
}
