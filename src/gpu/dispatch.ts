// WebGPU caps each grid dimension at maxComputeWorkgroupsPerDimension (65,535 by default).
// Larger 1D launches are folded into 2D or 3D grids; kernels recover the linear workgroup index
// with flat_workgroup() from shaders/common.wgsl and bounds-check the few extra workgroups.

export type Grid = [number, number, number];

export function foldGrid(workgroups: number, maxPerDimension: number): Grid {
  if (!Number.isInteger(workgroups) || workgroups < 1) throw new Error(`workgroup count must be a positive integer, got ${workgroups}`);
  if (workgroups <= maxPerDimension) return [workgroups, 1, 1];
  const y = Math.ceil(workgroups / maxPerDimension);
  if (y <= maxPerDimension) return [Math.ceil(workgroups / y), y, 1];
  const z = Math.ceil(y / maxPerDimension);
  if (z > maxPerDimension) throw new Error(`${workgroups} workgroups exceed the device's 3D grid (${maxPerDimension}³)`);
  const yz = Math.ceil(y / z);
  return [Math.ceil(workgroups / (yz * z)), yz, z];
}

/** Grid for one invocation per element with `workgroupSize` invocations per workgroup. */
export function gridFor(elements: number, workgroupSize: number, maxPerDimension: number): Grid {
  return foldGrid(Math.max(1, Math.ceil(elements / workgroupSize)), maxPerDimension);
}
