// The float64 CPU reference every kernel test compares against, the closeness rule, and seeded
// test data. Keep it plain and obviously right: it is the ground truth.

/** Mulberry32: a small seeded PRNG; same seed, same sequence, on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [lo, hi), as float64. */
export function uniform(seed: number, n: number, lo = -1, hi = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** n standard normal values (Box-Muller), as float64. */
export function normal(seed: number, n: number, std = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - r();
    const v = r();
    const m = std * Math.sqrt(-2 * Math.log(u));
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Rounds float64 data to what the GPU sees (float32), so references start from the same inputs. */
export function asF32(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(Float32Array.from(x as ArrayLike<number>));
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/**
 * Indices where |got - want| > atol + rtol·|want|. NaN is never close to anything (not even NaN);
 * infinities are close only to the same infinity.
 */
export function mismatches(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): number[] {
  if (got.length !== want.length) throw new Error(`length ${got.length} != expected ${want.length}`);
  const bad: number[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w) : g === w && !Number.isNaN(w);
    if (!ok) bad.push(i);
  }
  return bad;
}

/** Throws with the first few mismatches, the worst error and the tolerance used. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what = 'result'): void {
  const bad = mismatches(got, want, tol);
  if (bad.length === 0) return;
  let worst = bad[0];
  for (const i of bad) if (Math.abs(got[i] - want[i]) > Math.abs(got[worst] - want[worst]) || Number.isNaN(got[i])) worst = i;
  const show = bad.slice(0, 5).map((i) => `[${i}] got ${got[i]} want ${want[i]}`).join('; ');
  throw new Error(
    `${what}: ${bad.length}/${want.length} elements outside atol=${tol.atol} rtol=${tol.rtol}: ${show}; worst [${worst}] got ${got[worst]} want ${want[worst]}`,
  );
}

/** Elementwise map over float64 arrays: the reference for elementwise kernels. */
export function map(n: number, f: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

/**
 * Central finite differences of a scalar function f(x) in float64: the reference for backward
 * kernels (df/dx_i ≈ (f(x + h e_i) - f(x - h e_i)) / 2h).
 */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  const xp = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    const v = xp[i];
    xp[i] = v + h;
    const fp = f(xp);
    xp[i] = v - h;
    const fm = f(xp);
    xp[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}
