// Float64 references for the segment reductions (src/kernels/reduce.ts): one plain loop per
// segment. The GPU's NaN/Inf rules are spelled out here as they are in the kernels' docs.
import type { Segment } from '../../src/kernels/reduce';

const values = (x: ArrayLike<number>, { offset, length }: Segment): number[] => Array.from({ length }, (_, i) => x[offset + i]);

/** Σ x² per segment (0 for an empty segment). */
export function sumSquares(x: ArrayLike<number>, segments: readonly Segment[]): Float64Array {
  return Float64Array.from(segments, (seg) => values(x, seg).reduce((acc, v) => acc + v * v, 0));
}

/** Σ x² and Σ (x − y)² per segment, interleaved (0, 0 for an empty segment). */
export function normAndDistance(x: ArrayLike<number>, y: ArrayLike<number>, segments: readonly Segment[]): Float64Array {
  return Float64Array.from(segments.flatMap((seg) => {
    const xs = values(x, seg);
    const ys = values(y, seg);
    return [xs.reduce((a, v) => a + v * v, 0), xs.reduce((a, v, i) => a + (v - ys[i]) ** 2, 0)];
  }));
}

/** min, max, mean, population std per segment, flattened; NaN ×4 for an empty segment. */
export function stats(x: ArrayLike<number>, segments: readonly Segment[]): Float64Array {
  const out: number[] = [];
  for (const seg of segments) {
    const v = values(x, seg);
    if (v.length === 0) { out.push(NaN, NaN, NaN, NaN); continue; }
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const variance = v.reduce((acc, e) => acc + (e - mean) ** 2, 0) / v.length;
    let lo = v[0];
    let hi = v[0];
    for (const e of v) { lo = Math.min(lo, e); hi = Math.max(hi, e); } // Math.min/max propagate NaN
    out.push(lo, hi, mean, Math.sqrt(variance));
  }
  return Float64Array.from(out);
}

/** (fraction |x| < below, fraction |x| > above) per segment; NaN both if empty or any NaN. */
export function thresholdFractions(x: ArrayLike<number>, segments: readonly Segment[], below: number, above: number): Float64Array {
  const out: number[] = [];
  for (const seg of segments) {
    const v = values(x, seg);
    if (v.length === 0 || v.some(Number.isNaN)) { out.push(NaN, NaN); continue; }
    out.push(v.filter((e) => Math.abs(e) < below).length / v.length, v.filter((e) => Math.abs(e) > above).length / v.length);
  }
  return Float64Array.from(out);
}

/** Smallest normal f32: GPUs may flush smaller magnitudes to zero, so the kernel bins them as zero. */
export const MIN_NORMAL_F32 = 2 ** -126;

/** Position of |v| on the bin axis: (log10|v| − lo)·bins/(hi − lo); bin = clamp(floor(t), 0, bins − 1). */
export function binPosition(v: number, bins: number, lo: number, hi: number): number {
  return ((Math.log10(Math.abs(v)) - lo) * bins) / (hi - lo);
}

/** Counts per segment and bin of log10|x| over [lo, hi), flattened [segments, bins]. */
export function log10Histogram(x: ArrayLike<number>, segments: readonly Segment[], bins: number, lo: number, hi: number): Float64Array {
  const out = new Float64Array(segments.length * bins);
  segments.forEach((seg, s) => {
    for (const v of values(x, seg)) {
      if (Number.isNaN(v)) continue; // counted nowhere
      const a = Math.abs(v);
      const t = a < MIN_NORMAL_F32 ? -Infinity : binPosition(a, bins, lo, hi);
      const b = Math.min(bins - 1, Math.max(0, Math.floor(t)));
      out[s * bins + b]++;
    }
  });
  return out;
}
