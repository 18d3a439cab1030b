// The recurrent buffers written per unit (rnn_common.wgsl's layouts) as f32s: a scalar access
// per unit of a cell (units j0 .. j0 + n − 1, n ≥ 1, i = the index of unit j0). For the per-step
// driver and persistent plans whose cells' units are not one aligned vec4 (rnn_units_vec4.wgsl).
// Lanes by constant, not a loop over the units (see sigmoid_units in rnn_common.wgsl); with
// UNITS = 1 the tests fold away.
@group(0) @binding(1) var<storage, read_write> hs: array<f32>;
@group(0) @binding(2) var<storage, read_write> cs: array<f32>;
@group(0) @binding(4) var<storage, read_write> dgx: array<f32>;
@group(0) @binding(5) var<storage, read_write> dgh: array<f32>;
@group(0) @binding(6) var<storage, read_write> dhs: array<f32>;
@group(0) @binding(7) var<storage, read_write> dcs: array<f32>;

fn hs_at(i: u32) -> f32 { return hs[i]; }
fn dgh_at(i: u32) -> f32 { return dgh[i]; }
fn load_hs(i: u32, n: u32) -> vec4f { var v = vec4f(hs[i], 0.0, 0.0, 0.0); if (UNITS > 1u && n > 1u) { v.y = hs[i + 1u]; } if (UNITS > 2u && n > 2u) { v.z = hs[i + 2u]; } if (UNITS > 3u && n > 3u) { v.w = hs[i + 3u]; } return v; }
fn load_cs(i: u32, n: u32) -> vec4f { var v = vec4f(cs[i], 0.0, 0.0, 0.0); if (UNITS > 1u && n > 1u) { v.y = cs[i + 1u]; } if (UNITS > 2u && n > 2u) { v.z = cs[i + 2u]; } if (UNITS > 3u && n > 3u) { v.w = cs[i + 3u]; } return v; }
fn load_dhs(i: u32, n: u32) -> vec4f { var v = vec4f(dhs[i], 0.0, 0.0, 0.0); if (UNITS > 1u && n > 1u) { v.y = dhs[i + 1u]; } if (UNITS > 2u && n > 2u) { v.z = dhs[i + 2u]; } if (UNITS > 3u && n > 3u) { v.w = dhs[i + 3u]; } return v; }
fn load_dcs(i: u32, n: u32) -> vec4f { var v = vec4f(dcs[i], 0.0, 0.0, 0.0); if (UNITS > 1u && n > 1u) { v.y = dcs[i + 1u]; } if (UNITS > 2u && n > 2u) { v.z = dcs[i + 2u]; } if (UNITS > 3u && n > 3u) { v.w = dcs[i + 3u]; } return v; }
fn store_hs(i: u32, n: u32, v: vec4f) { hs[i] = v.x; if (UNITS > 1u && n > 1u) { hs[i + 1u] = v.y; } if (UNITS > 2u && n > 2u) { hs[i + 2u] = v.z; } if (UNITS > 3u && n > 3u) { hs[i + 3u] = v.w; } }
fn store_cs(i: u32, n: u32, v: vec4f) { cs[i] = v.x; if (UNITS > 1u && n > 1u) { cs[i + 1u] = v.y; } if (UNITS > 2u && n > 2u) { cs[i + 2u] = v.z; } if (UNITS > 3u && n > 3u) { cs[i + 3u] = v.w; } }
fn store_dhs(i: u32, n: u32, v: vec4f) { dhs[i] = v.x; if (UNITS > 1u && n > 1u) { dhs[i + 1u] = v.y; } if (UNITS > 2u && n > 2u) { dhs[i + 2u] = v.z; } if (UNITS > 3u && n > 3u) { dhs[i + 3u] = v.w; } }
fn store_dcs(i: u32, n: u32, v: vec4f) { dcs[i] = v.x; if (UNITS > 1u && n > 1u) { dcs[i + 1u] = v.y; } if (UNITS > 2u && n > 2u) { dcs[i + 2u] = v.z; } if (UNITS > 3u && n > 3u) { dcs[i + 3u] = v.w; } }
fn store_dgx(i: u32, n: u32, v: vec4f) { dgx[i] = v.x; if (UNITS > 1u && n > 1u) { dgx[i + 1u] = v.y; } if (UNITS > 2u && n > 2u) { dgx[i + 2u] = v.z; } if (UNITS > 3u && n > 3u) { dgx[i + 3u] = v.w; } }
fn store_dgh(i: u32, n: u32, v: vec4f) { dgh[i] = v.x; if (UNITS > 1u && n > 1u) { dgh[i + 1u] = v.y; } if (UNITS > 2u && n > 2u) { dgh[i + 2u] = v.z; } if (UNITS > 3u && n > 3u) { dgh[i + 3u] = v.w; } }
