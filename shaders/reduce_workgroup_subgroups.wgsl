// Workgroup reductions on subgroup operations (needs the `subgroups` feature; the module starts
// with `enable subgroups;`): the same functions as reduce_workgroup.wgsl. Within a subgroup the
// hardware reduces (lavapipe: one 8-wide SIMD vector, no barrier); when the workgroup is one
// subgroup (SG == WG, set from the adapter's fixed subgroup size) that is all. Otherwise each
// subgroup's first lane leaves its result at its own invocation index and every invocation adds
// the WG slots in index order: a fixed order, so the same bits on every run.
override SG: u32 = 0u; // the adapter's subgroup size when it is fixed, else 0

var<workgroup> red_f: array<f32, WG>;

fn wg_across_f(lid: u32, t: f32, identity: f32, op: u32) -> f32 {
  let first = subgroupExclusiveAdd(1u) == 0u;
  red_f[lid] = select(identity, t, first);
  workgroupBarrier();
  var a = identity;
  for (var i = 0u; i < WG; i++) {
    let b = red_f[i];
    a = select(select(max(a, b), min(a, b), op == 1u), a + b, op == 0u);
  }
  workgroupBarrier();
  return a;
}

fn wg_sum(lid: u32, v: f32) -> f32 {
  let t = subgroupAdd(v);
  if (SG == WG) { return t; }
  return wg_across_f(lid, t, 0.0, 0u);
}

/** Smallest of the invocations' values (no NaN among them). */
fn wg_min(lid: u32, v: f32) -> f32 {
  let t = subgroupMin(v);
  if (SG == WG) { return t; }
  return wg_across_f(lid, t, infinity(1.0), 1u);
}

fn wg_max(lid: u32, v: f32) -> f32 {
  let t = subgroupMax(v);
  if (SG == WG) { return t; }
  return wg_across_f(lid, t, infinity(-1.0), 2u);
}

var<workgroup> red_u: array<u32, WG>;

/** Sum of the invocations' u32 values (wrapping; any order gives the same bits). */
fn wg_sum_u(lid: u32, v: u32) -> u32 {
  let t = subgroupAdd(v);
  if (SG == WG) { return t; }
  red_u[lid] = select(0u, t, subgroupExclusiveAdd(1u) == 0u);
  workgroupBarrier();
  var a = 0u;
  for (var i = 0u; i < WG; i++) { a += red_u[i]; }
  workgroupBarrier();
  return a;
}
