// Batch norm over the batch (a workgroup or an invocation per feature column) and layer norm over
// features (a workgroup per row), like torch.nn.BatchNorm1d / LayerNorm: two-pass mean and
// variance in fp32, fixed-order sums (deterministic, no atomics). x, y: [rows, cols] row-major.
override WG: u32 = 64;

struct Params { rows: u32, cols: u32, eps: f32, momentum: f32 }

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> running_var: array<f32>;
@group(0) @binding(5) var<storage, read> x: array<f32>;
@group(0) @binding(6) var<storage, read> gamma: array<f32>;
@group(0) @binding(7) var<storage, read> beta: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;
@group(0) @binding(9) var<storage, read_write> dx: array<f32>;
@group(0) @binding(10) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(11) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(12) var<storage, read> dy: array<f32>;

var<workgroup> red: array<f32, 64>;
var<workgroup> red2: array<f32, 64>;

// Sums a and b over the workgroup in a fixed tree order; every invocation gets the totals.
fn wg_sum2(a: f32, b: f32, lid: u32) -> vec2f {
  red[lid] = a;
  red2[lid] = b;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; red2[lid] += red2[lid + s]; }
    workgroupBarrier();
  }
  let r = vec2f(red[0], red2[0]);
  workgroupBarrier();
  return r;
}

// Element k of group g: batch norm groups are columns (k = row), layer norm groups are rows.
fn at(column_groups: bool, g: u32, k: u32) -> u32 {
  if (column_groups) { return k * p.cols + g; }
  return g * p.cols + k;
}

// Batch norm kernels take a column per workgroup (lanes = WG, tree sums) or, with COLUMN_PER_
// INVOCATION, a column per invocation (lanes = 1, serial sums: for batches of up to 256 rows,
// where a workgroup's barriers cost more than the sums; lavapipe 64 × 64 forward 0.36 → 0.06 ms).
override COLUMN_PER_INVOCATION: bool = false;

// This invocation's column (may be past the last: see `live`) and its first row.
fn bn_column(wid: vec3u, nwg: vec3u, lid: u32) -> vec2u {
  if (COLUMN_PER_INVOCATION) { return vec2u(flat_workgroup(wid, nwg) * WG + lid, 0u); }
  return vec2u(flat_workgroup(wid, nwg), lid);
}

// Σ a and Σ b over the invocations of one column. Every invocation must call it.
fn bn_sum2(a: f32, b: f32, lid: u32) -> vec2f {
  if (COLUMN_PER_INVOCATION) { return vec2f(a, b); }
  return wg_sum2(a, b, lid);
}

// Batch norm, training: mean, biased var over rows; y = x̂·γ + β; running stats with momentum
// (unbiased variance; at rows = 1 running_var is left unchanged rather than made Inf). No early
// return: the sums' barriers need every invocation; spare ones read the last column, store nothing.
@compute @workgroup_size(WG)
fn batchnorm_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let at_col = bn_column(wid, nwg, lid);
  let live = at_col.x < p.cols;
  let c = min(at_col.x, p.cols - 1u);
  let step = select(WG, 1u, COLUMN_PER_INVOCATION);
  var s = 0.0;
  for (var r = at_col.y; r < p.rows; r += step) { s += x[at(true, c, r)]; }
  let m = bn_sum2(s, 0.0, lid).x / f32(p.rows);
  var q = 0.0;
  for (var r = at_col.y; r < p.rows; r += step) { let d = x[at(true, c, r)] - m; q += d * d; }
  let v = bn_sum2(q, 0.0, lid).x / f32(p.rows);
  let rs = inverseSqrt(v + p.eps);
  if (!live) { return; }
  for (var r = at_col.y; r < p.rows; r += step) { y[at(true, c, r)] = (x[at(true, c, r)] - m) * rs * gamma[c] + beta[c]; }
  if (at_col.y == 0u) {
    mean[c] = m;
    rstd[c] = rs;
    running_mean[c] = (1.0 - p.momentum) * running_mean[c] + p.momentum * m;
    if (p.rows > 1u) { running_var[c] = (1.0 - p.momentum) * running_var[c] + p.momentum * v * f32(p.rows) / f32(p.rows - 1u); }
  }
}

// Batch norm, eval: y = (x − running_mean)/√(running_var + ε)·γ + β, one invocation per element.
@compute @workgroup_size(WG)
fn batchnorm_eval(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  if (i >= p.rows * p.cols) { return; }
  let c = i % p.cols;
  y[i] = (x[i] - running_mean[c]) * inverseSqrt(running_var[c] + p.eps) * gamma[c] + beta[c];
}

// Batch norm backward (training): dγ = Σ dy·x̂, dβ = Σ dy (=),
// dx = γ·rstd/B · (B·dy − Σdy − x̂·Σ(dy·x̂))   (=)
@compute @workgroup_size(WG)
fn batchnorm_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let at_col = bn_column(wid, nwg, lid);
  let live = at_col.x < p.cols;
  let c = min(at_col.x, p.cols - 1u);
  let step = select(WG, 1u, COLUMN_PER_INVOCATION);
  let m = mean[c];
  let rs = rstd[c];
  var sd = 0.0;
  var sdx = 0.0;
  for (var r = at_col.y; r < p.rows; r += step) {
    let i = at(true, c, r);
    sd += dy[i];
    sdx += dy[i] * (x[i] - m) * rs;
  }
  let sums = bn_sum2(sd, sdx, lid);
  if (!live) { return; }
  let n = f32(p.rows);
  for (var r = at_col.y; r < p.rows; r += step) {
    let i = at(true, c, r);
    dx[i] = gamma[c] * rs / n * (n * dy[i] - sums.x - (x[i] - m) * rs * sums.y);
  }
  if (at_col.y == 0u) { dgamma[c] = sums.y; dbeta[c] = sums.x; }
}

// Layer norm over each row: y = x̂·γ + β; mean and rstd saved per row.
@compute @workgroup_size(WG)
fn layernorm_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = flat_workgroup(wid, nwg);
  if (r >= p.rows) { return; }
  var s = 0.0;
  for (var k = lid; k < p.cols; k += WG) { s += x[at(false, r, k)]; }
  let m = wg_sum2(s, 0.0, lid).x / f32(p.cols);
  var q = 0.0;
  for (var k = lid; k < p.cols; k += WG) { let d = x[at(false, r, k)] - m; q += d * d; }
  let rs = inverseSqrt(wg_sum2(q, 0.0, lid).x / f32(p.cols) + p.eps);
  for (var k = lid; k < p.cols; k += WG) { y[at(false, r, k)] = (x[at(false, r, k)] - m) * rs * gamma[k] + beta[k]; }
  if (lid == 0u) { mean[r] = m; rstd[r] = rs; }
}

// Layer norm backward, per row: g = dy·γ; dx = rstd·(g − mean(g) − x̂·mean(g·x̂))   (=)
@compute @workgroup_size(WG)
fn layernorm_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = flat_workgroup(wid, nwg);
  if (r >= p.rows) { return; }
  let m = mean[r];
  let rs = rstd[r];
  var sg = 0.0;
  var sgx = 0.0;
  for (var k = lid; k < p.cols; k += WG) {
    let i = at(false, r, k);
    let g = dy[i] * gamma[k];
    sg += g;
    sgx += g * (x[i] - m) * rs;
  }
  let sums = wg_sum2(sg, sgx, lid) / f32(p.cols);
  for (var k = lid; k < p.cols; k += WG) {
    let i = at(false, r, k);
    dx[i] = rs * (dy[i] * gamma[k] - sums.x - (x[i] - m) * rs * sums.y);
  }
}

// Layer norm parameter gradients, per feature column: dγ = Σ_rows dy·x̂, dβ = Σ_rows dy   (=)
@compute @workgroup_size(WG)
fn layernorm_param_grads(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg);
  if (c >= p.cols) { return; }
  var sd = 0.0;
  var sdx = 0.0;
  for (var r = lid; r < p.rows; r += WG) {
    let i = at(true, c, r);
    sd += dy[i];
    sdx += dy[i] * (x[i] - mean[r]) * rstd[r];
  }
  let sums = wg_sum2(sd, sdx, lid);
  if (lid == 0u) { dgamma[c] = sums.y; dbeta[c] = sums.x; }
}
