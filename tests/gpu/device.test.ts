// Device acquisition: the Vulkan driver choices in order, the optional features and limits
// requested, and a lost device surfaced through onLost (but not a destroy() we asked for).
import { describe, expect, it } from 'vitest';
import { LAVAPIPE_ICD, openNodeDevice, SWIFTSHADER_ICD, vulkanCandidates } from '../../src/gpu/node';

describe('vulkanCandidates', () => {
  const exists = (files: string[]) => (f: unknown) => files.includes(String(f));
  it('tries the loader default, then lavapipe, then SwiftShader', () => {
    expect(vulkanCandidates({}, exists([LAVAPIPE_ICD, SWIFTSHADER_ICD])).map((c) => c.icd)).toEqual([undefined, LAVAPIPE_ICD, SWIFTSHADER_ICD]);
    expect(vulkanCandidates({}, exists([SWIFTSHADER_ICD])).map((c) => c.icd)).toEqual([undefined, SWIFTSHADER_ICD]);
  });
  it('honours GRADSCOPE_VULKAN_ICD alone, and keeps a VK_ICD_FILENAMES already set', () => {
    expect(vulkanCandidates({ GRADSCOPE_VULKAN_ICD: '/x.json' }, exists([LAVAPIPE_ICD]))).toEqual([{ icd: '/x.json', why: 'GRADSCOPE_VULKAN_ICD' }]);
    expect(vulkanCandidates({ VK_ICD_FILENAMES: '/y.json' }, exists([LAVAPIPE_ICD])).map((c) => c.icd)).toEqual([undefined]);
  });
});

describe('openNodeDevice', () => {
  it('grants the optional features the adapter has, at its maximum limits, and reports a lost device', async () => {
    let lost: GPUDeviceLostInfo | null = null;
    const gpu = await openNodeDevice({ verbose: false, onLost: (info) => (lost = info) });
    expect(gpu.adapter.name.length).toBeGreaterThan(0);
    for (const f of gpu.features) expect(gpu.device.features.has(f)).toBe(true);
    expect(gpu.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    gpu.device.destroy(); // not through gpu.destroy(): the driver "lost" it
    const info = await Promise.race([gpu.lost, new Promise((r) => setTimeout(() => r(null), 1000))]);
    expect(info).not.toBeNull();
    expect(lost).not.toBeNull();
  });

  it('does not report a device it was asked to destroy', async () => {
    let lost = false;
    const gpu = await openNodeDevice({ verbose: false, onLost: () => (lost = true) });
    gpu.destroy();
    await gpu.lost;
    expect(lost).toBe(false);
  });
});
