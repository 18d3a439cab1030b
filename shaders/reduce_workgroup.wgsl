// Workgroup reductions for the segment reductions (reduce.wgsl, reduce_count.wgsl), portable
// version: a tree in workgroup memory, in a fixed order. reduce_workgroup_subgroups.wgsl has the
// same functions on subgroup operations; src/kernels/reduce.ts picks one per adapter. Every
// invocation of the workgroup must call them (uniform control flow) and gets the result.
// The functions and SG are shared by both libraries; SG (the subgroup size) is unused here.
override SG: u32 = 0u;

var<workgroup> red_f: array<f32, WG>;

fn wg_tree_f(lid: u32, v: f32, op: u32) -> f32 {
  red_f[lid] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) {
      let a = red_f[lid];
      let b = red_f[lid + s];
      red_f[lid] = select(select(max(a, b), min(a, b), op == 1u), a + b, op == 0u);
    }
  }
  workgroupBarrier();
  let t = red_f[0];
  workgroupBarrier(); // every invocation has read the result before the array is reused
  return t;
}

fn wg_sum(lid: u32, v: f32) -> f32 { return wg_tree_f(lid, v, 0u); }

var<workgroup> red_u: array<u32, WG>;

/** Sum of the invocations' u32 values (wrapping). */
fn wg_sum_u(lid: u32, v: u32) -> u32 {
  red_u[lid] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) { red_u[lid] += red_u[lid + s]; }
  }
  workgroupBarrier();
  let t = red_u[0];
  workgroupBarrier();
  return t;
}
/** Smallest of the invocations' values (no NaN among them). */
fn wg_min(lid: u32, v: f32) -> f32 { return wg_tree_f(lid, v, 1u); }
fn wg_max(lid: u32, v: f32) -> f32 { return wg_tree_f(lid, v, 2u); }
