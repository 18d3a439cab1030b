// The recurrent buffers written per unit (rnn_common.wgsl's layouts) as vec4s: the 4 units of a
// cell, j0 .. j0 + 3 with j0 % 4 = 0 and H % 4 = 0, are one aligned vec4 (i = the index of unit
// j0; n is 4), written only by their invocation: one access instead of 4, each a loop over the
// lanes on lavapipe (the adding step's LSTM: docs/recurrent.md). The host picks this for
// persistent plans with 4 units an invocation and H % 4 = 0, where every buffer here is whole
// vec4s; hs_at and dgh_at serve the per-step driver's entry points, which must compile here too.
@group(0) @binding(1) var<storage, read_write> hs: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> cs: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> dgx: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> dgh: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> dhs: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> dcs: array<vec4f>;

fn hs_at(i: u32) -> f32 { return hs[i / 4u][i % 4u]; }
fn dgh_at(i: u32) -> f32 { return dgh[i / 4u][i % 4u]; }
fn load_hs(i: u32, n: u32) -> vec4f { return hs[i / 4u]; }
fn load_cs(i: u32, n: u32) -> vec4f { return cs[i / 4u]; }
fn load_dhs(i: u32, n: u32) -> vec4f { return dhs[i / 4u]; }
fn load_dcs(i: u32, n: u32) -> vec4f { return dcs[i / 4u]; }
fn store_hs(i: u32, n: u32, v: vec4f) { hs[i / 4u] = v; }
fn store_cs(i: u32, n: u32, v: vec4f) { cs[i / 4u] = v; }
fn store_dhs(i: u32, n: u32, v: vec4f) { dhs[i / 4u] = v; }
fn store_dcs(i: u32, n: u32, v: vec4f) { dcs[i / 4u] = v; }
fn store_dgx(i: u32, n: u32, v: vec4f) { dgx[i / 4u] = v; }
fn store_dgh(i: u32, n: u32, v: vec4f) { dgh[i / 4u] = v; }
