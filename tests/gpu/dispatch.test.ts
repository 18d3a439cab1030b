import { describe, expect, it } from 'vitest';
import { foldGrid, gridFor } from '../../src/gpu/dispatch';
import { sizeClass } from '../../src/gpu/buffers';

describe('foldGrid: a 1D workgroup count folded into grids within the per-dimension limit', () => {
  it.each([1, 2, 65535, 65536, 65537, 65535 * 65535, 65535 * 65535 + 1, 123_456_789])('%i workgroups', (n) => {
    const [x, y, z] = foldGrid(n, 65535);
    expect(Math.max(x, y, z)).toBeLessThanOrEqual(65535);
    expect(x * y * z).toBeGreaterThanOrEqual(n);
    // At most one row of padding workgroups in each folded dimension.
    expect(x * y * z - n).toBeLessThan(x * y);
  });
  it('keeps small counts 1D', () => expect(foldGrid(100, 65535)).toEqual([100, 1, 1]));
  it('rejects counts the device cannot cover', () => expect(() => foldGrid(2 ** 50, 65535)).toThrow(/exceed/));
  it('gridFor covers every element', () => expect(gridFor((1 << 24) + 3, 256, 65535).reduce((a, b) => a * b) * 256).toBeGreaterThanOrEqual((1 << 24) + 3));
});

describe('sizeClass: pool size classes', () => {
  it('rounds small sizes to 256 bytes and large ones to at most 1/16 extra', () => {
    expect(sizeClass(4)).toBe(256);
    expect(sizeClass(257)).toBe(512);
    for (const n of [65537, 1_000_003, 67_108_876]) {
      expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
      expect(sizeClass(n)).toBeLessThanOrEqual(n * (1 + 1 / 16) + 1);
      expect(sizeClass(n) % 4).toBe(0);
    }
  });
});
