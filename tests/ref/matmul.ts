// float64 references for shaders/matmul.wgsl.

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
