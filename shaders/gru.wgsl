// GRU (PyTorch nn.GRU, one layer), gate rows r, z, n, with PyTorch's reset-gate placement:
//   r, z = σ(W_i· x_t + b_i· + W_h· h_{t-1} + b_h·),  n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn))
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
// Layouts, bindings and the drivers: rnn_common.wgsl, rnn_persistent.wgsl.
const G: u32 = 3u;

// hp[q][u] = (W_hh·h_{t-1} + b_hh)[q·H + j0 + u] and xp[q][u] = (W_ih x_t + b_ih)[q·H + j0 + u]
// for the r, z, n blocks of units j0 .. j0 + n − 1; returns their h_t.
fn cell_forward(t: u32, b: u32, j0: u32, hp: mat4x4f, xp: mat4x4f, n: u32) -> vec4f {
  let h_prev = load_hs(tm(t, b, j0), n);
  var h = vec4f();
  var saved = mat4x4f();
  for (var u = 0u; u < UNITS; u++) {
    let r = sigmoid_fn(xp[0][u] + hp[0][u]);
    let z = sigmoid_fn(xp[1][u] + hp[1][u]);
    let hn = hp[2][u];
    let nn = tanh_fn(xp[2][u] + r * hn);
    h[u] = (1.0 - z) * nn + z * h_prev[u];
    saved[u] = vec4f(r, z, nn, hn);
  }
  store_gates(tm(t, b, j0), n, saved);
  store_hs(tm(t + 1u, b, j0), n, h);
  store_output(t, b, j0, n, h);
  return h;
}

// dh_t = dy_t + rg + dh_{t+1} ⊙ z_{t+1}, rg = W_hhᵀ·dgh_{t+1}
// dn' = dh⊙(1−z)⊙(1−n²);  dgx = [dn'⊙hn⊙r(1−r), dh⊙(h_{t-1} − n)⊙z(1−z), dn'];  dgh = dgx with dn'⊙r for n
// (= into dhs[t], dgx[b, t], dgh[t]); returns dgh[q][u], gate q of unit j0 + u.
fn cell_backward(t: u32, b: u32, j0: u32, rg: vec4f, n: u32) -> mat4x4f {
  let H = p.H;
  let saved = load_gates(tm(t, b, j0), n);
  let h_prev = load_hs(tm(t, b, j0), n);
  let dy_t = output_grad(t, b, j0, n);
  var next = mat4x4f(); // step t+1's gates and dh_{t+1}
  var dh_next = vec4f();
  if (t + 1u < p.T) {
    next = load_gates(tm(t + 1u, b, j0), n);
    dh_next = load_dhs(tm(t + 1u, b, j0), n);
  }
  var dh = vec4f();
  var dx = mat4x4f(); // dgx[q][u]
  var dgh_ = mat4x4f();
  for (var u = 0u; u < UNITS; u++) {
    let r = saved[u].x;
    let z = saved[u].y;
    let nn = saved[u].z;
    let hn = saved[u].w;
    var dhu = dy_t[u];
    if (t + 1u < p.T) { dhu += rg[u] + dh_next[u] * next[u].y; } // z_{t+1}
    dh[u] = dhu;
    let dn = dhu * (1.0 - z) * (1.0 - nn * nn);
    let dr = dn * hn * r * (1.0 - r);
    let dz = dhu * (h_prev[u] - nn) * z * (1.0 - z);
    dx[0][u] = dr;
    dx[1][u] = dz;
    dx[2][u] = dn;
    dgh_[0][u] = dr;
    dgh_[1][u] = dz;
    dgh_[2][u] = dn * r;
  }
  store_dhs(tm(t, b, j0), n, dh);
  let x0 = bm_row(b, t) * 3u * H + j0;
  let d0 = (t * p.B + b) * 3u * H + j0;
  for (var q = 0u; q < 3u; q++) {
    store_dgx(x0 + q * H, n, dx[q]);
    store_dgh(d0 + q * H, n, dgh_[q]);
  }
  return dgh_;
}
