// The recurrent buffers written per unit (rnn_common.wgsl's layouts) as f32s: a scalar access
// per unit of a cell (units j0 .. j0 + n − 1, i = the index of unit j0). For the per-step driver
// and persistent plans whose cells' units are not one aligned vec4 (rnn_units_vec4.wgsl).
@group(0) @binding(1) var<storage, read_write> hs: array<f32>;
@group(0) @binding(2) var<storage, read_write> cs: array<f32>;
@group(0) @binding(4) var<storage, read_write> dgx: array<f32>;
@group(0) @binding(5) var<storage, read_write> dgh: array<f32>;
@group(0) @binding(6) var<storage, read_write> dhs: array<f32>;
@group(0) @binding(7) var<storage, read_write> dcs: array<f32>;

fn hs_at(i: u32) -> f32 { return hs[i]; }
fn dgh_at(i: u32) -> f32 { return dgh[i]; }
fn load_hs(i: u32, n: u32) -> vec4f { var v = vec4f(); for (var u = 0u; u < n; u++) { v[u] = hs[i + u]; } return v; }
fn load_cs(i: u32, n: u32) -> vec4f { var v = vec4f(); for (var u = 0u; u < n; u++) { v[u] = cs[i + u]; } return v; }
fn load_dhs(i: u32, n: u32) -> vec4f { var v = vec4f(); for (var u = 0u; u < n; u++) { v[u] = dhs[i + u]; } return v; }
fn load_dcs(i: u32, n: u32) -> vec4f { var v = vec4f(); for (var u = 0u; u < n; u++) { v[u] = dcs[i + u]; } return v; }
fn store_hs(i: u32, n: u32, v: vec4f) { for (var u = 0u; u < n; u++) { hs[i + u] = v[u]; } }
fn store_cs(i: u32, n: u32, v: vec4f) { for (var u = 0u; u < n; u++) { cs[i + u] = v[u]; } }
fn store_dhs(i: u32, n: u32, v: vec4f) { for (var u = 0u; u < n; u++) { dhs[i + u] = v[u]; } }
fn store_dcs(i: u32, n: u32, v: vec4f) { for (var u = 0u; u < n; u++) { dcs[i + u] = v[u]; } }
fn store_dgx(i: u32, n: u32, v: vec4f) { for (var u = 0u; u < n; u++) { dgx[i + u] = v[u]; } }
fn store_dgh(i: u32, n: u32, v: vec4f) { for (var u = 0u; u < n; u++) { dgh[i + u] = v[u]; } }
