// The 4-lane matmul kernels (lanes4, tn_cols4_lanes4) on the adapter they are chosen for: SwiftShader (Debian's chromium),
// whose subgroups are 4 lanes wide, in Node through Dawn. matmul.test.ts runs them on lavapipe
// (subgroups of 8, a workgroup of 4 lanes inside one); here they run where Chromium without a GPU
// runs the lab. Against float64, on shapes ragged against the 16 × 32 block, K ≥ 2048 once, K % 4
// = 3 for the tn kernel's last k; and chooseMatmulVariant picks them at the training shapes.
import { describe, expect, it } from 'vitest';
import { SWIFTSHADER_ICD } from '../../src/gpu/node';
import { chooseMatmulVariant, matmul, subgroupLanes, type MatmulVariant } from '../../src/kernels/matmul';
import { asF32, expectClose, uniform } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';
import { matmulRef } from '../ref/matmul';

process.env.GRADSCOPE_VULKAN_ICD = SWIFTSHADER_ICD; // this file's own process (pool: forks)
const tol = (K: number) => ({ atol: 1e-5 * Math.sqrt(K), rtol: 1e-4 });

describe('matmul on SwiftShader (subgroups of 4)', () => {
  const gpu = useGpu();

  it('is SwiftShader, with subgroups of 4 lanes', () => {
    const ctx = gpu();
    expect(ctx.gpu.adapter.name).toMatch(/SwiftShader/);
    expect(subgroupLanes(ctx)).toBe(4);
  });

  it.each([
    ['tn_lanes4', true, false, [[20, 36, 1027], [68, 40, 2050], [16, 32, 16], [132, 68, 33]]],
    ['nn_lanes4', false, false, [[33, 36, 20], [65, 68, 36], [7, 12, 2052], [17, 32, 4]]],
    ['nt_lanes4', false, true, [[33, 36, 20], [129, 44, 256], [7, 12, 2052], [17, 32, 4]]],
    ['tn_cols4_lanes4', true, false, [[36, 2, 2053], [132, 3, 65], [8, 1, 7], [128, 4, 3200]]],
  ] as const)('%s (transA=%s transB=%s) vs float64', async (variant, tA, tB, shapes) => {
    const ctx = gpu();
    for (const [M, N, K] of shapes) {
      const a = asF32(uniform(M + 3 * K, M * K));
      const b = asF32(uniform(N + 5 * K, K * N));
      const [ta, tb] = [tensor(ctx, a, tA ? [K, M] : [M, K]), tensor(ctx, b, tB ? [N, K] : [K, N])];
      const out = canaried(ctx, M * N, [M, N], 'f32', 'C');
      matmul(ctx, out.tensor, ta, tb, { transA: tA, transB: tB, variant: variant as MatmulVariant });
      expectClose(await out.tensor.download(), matmulRef(a, b, M, N, K, tA, tB), tol(K), `${variant} M=${M} N=${N} K=${K}`);
      await out.check();
      for (const t of [out, ta, tb]) t.dispose();
    }
  });

  it('chooseMatmulVariant picks them for the MLP and the LSTM adding step here', () => {
    const lanes = subgroupLanes(gpu());
    expect(chooseMatmulVariant(128, 256, 784, false, true, true, lanes)).toBe('nt_lanes4');
    expect(chooseMatmulVariant(128, 784, 256, false, false, true, lanes)).toBe('nn_lanes4');
    expect(chooseMatmulVariant(256, 784, 128, true, false, true, lanes)).toBe('tn_lanes4');
    expect(chooseMatmulVariant(128, 32, 3200, true, false, true, lanes)).toBe('tn_lanes4');
    expect(chooseMatmulVariant(128, 2, 3200, true, false, true, lanes)).toBe('tn_cols4_lanes4');
  });
});
