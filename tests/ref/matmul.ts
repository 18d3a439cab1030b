// float64 references for the matmul family (shaders/matmul*.wgsl).
import type { Activation } from '../../src/kernels/activation_ids';
import { activations } from './activations';

/** C[M,N] = op(A)·op(B); A stored [M,K] or [K,M] (transA), B stored [K,N] or [N,K] (transB). */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, K: number, transA = false, transB = false): Float64Array {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (transA ? a[k * M + m] : a[m * K + k]) * (transB ? b[n * K + k] : b[k * N + n]);
      c[m * N + n] = s;
    }
  }
  return c;
}

/** Column sums of dC [M, N]. */
export function biasGradRef(dc: ArrayLike<number>, M: number, N: number): Float64Array {
  const db = new Float64Array(N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) db[n] += dc[m * N + n];
  return db;
}

/** z = op(A)·op(B) + bias[n], y = act(z): the matmul with its fused epilogue. */
export function linearRef(a: ArrayLike<number>, b: ArrayLike<number>, bias: ArrayLike<number>, M: number, N: number, K: number, act: Activation, transB = false, transA = false) {
  const z = matmulRef(a, b, M, N, K, transA, transB).map((v, i) => v + bias[i % N]);
  return { z, y: z.map(activations[act].f) };
}

/**
 * Gradients of L = Σ G ⊙ act(A·B + bias) (A [M, K], B [K, N]): dZ = G ⊙ act'(z), dA = dZ·Bᵀ,
 * dB = Aᵀ·dZ, dbias = Σ_rows dZ. The matmul kernels receive dZ (the activation's backward is
 * another family's kernel).
 */
export function linearBackwardRef(a: ArrayLike<number>, b: ArrayLike<number>, z: ArrayLike<number>, g: ArrayLike<number>, M: number, N: number, K: number, act: Activation) {
  const dz = Float64Array.from(z, (v, i) => g[i] * activations[act].df(v));
  return { dz, da: matmulRef(dz, b, M, K, N, false, true), db: matmulRef(a, dz, K, N, M, true, false), dbias: biasGradRef(dz, M, N) };
}
