// Persistent driver for the recurrent cells: all T steps in one dispatch. Each workgroup owns
// ROWS batch rows (all H units of each) and loops over t; the values its units share across the
// step boundary sit in workgroup memory, double-buffered so that one barrier per step suffices
// (step t reads half t mod 2 and writes the other half; the barrier after step t separates those
// writes from step t+1's reads, and step t's reads from step t+1's overwrites):
//   forward  h_{t-1} of the ROWS rows, [2][ROWS, H]
//   backward dgh_{t+1} of the ROWS rows, [2][ROWS, G·H]
// Invocations stride over the ROWS·H units, so WG need not equal ROWS·H. Each unit (b, j) belongs
// to one invocation for all t; what a cell reads of its own unit at another step it reads back from
// the storage it wrote (same invocation: program order). Sums run in the same order as the
// per-step driver's, so both drivers give the same bits on one adapter. The host sizes SH
// (2·ROWS·H forward, 2·ROWS·G·H backward) within maxComputeWorkgroupStorageSize.
override ROWS: u32 = 1;
override SH: u32 = 2;
var<workgroup> exchange: array<f32, SH>;

@compute @workgroup_size(WG)
fn seq_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let H = p.H;
  let n = ROWS * H;
  let b0 = flat_workgroup(wid, nwg) * ROWS;
  for (var u = lid; u < n; u += WG) { exchange[u] = 0.0; } // h_{-1} = 0
  workgroupBarrier();
  for (var t = 0u; t < p.T; t++) {
    let cur = (t & 1u) * n;
    for (var u = lid; u < n; u += WG) {
      let lb = u / H;
      let j = u % H;
      if (b0 + lb < p.B) {
        var hp = vec4f();
        for (var q = 0u; q < G; q++) {
          let row = q * H + j;
          var s = b_hh[row];
          for (var k = 0u; k < H; k++) { s += exchange[cur + lb * H + k] * w_hh[row * H + k]; }
          hp[q] = s;
        }
        exchange[n - cur + u] = cell_forward(t, b0 + lb, j, hp);
      }
    }
    workgroupBarrier();
  }
}

// Steps run t = T−1 … 0; dgh_t goes to workgroup memory for step t−1's rg.
@compute @workgroup_size(WG)
fn seq_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let H = p.H;
  let GH = G * H;
  let n = ROWS * H;
  let m = ROWS * GH;
  let b0 = flat_workgroup(wid, nwg) * ROWS;
  for (var s = 0u; s < p.T; s++) {
    let t = p.T - 1u - s;
    let cur = (s & 1u) * m; // dgh_{t+1} (unread at s = 0)
    for (var u = lid; u < n; u += WG) {
      let lb = u / H;
      let j = u % H;
      if (b0 + lb < p.B) {
        var rg = 0.0;
        if (s > 0u) {
          for (var r = 0u; r < GH; r++) { rg += exchange[cur + lb * GH + r] * w_hh[r * H + j]; }
        }
        let dg = cell_backward(t, b0 + lb, j, rg);
        for (var q = 0u; q < G; q++) { exchange[m - cur + lb * GH + q * H + j] = dg[q]; }
      }
    }
    workgroupBarrier();
  }
}
