// LSTM (PyTorch nn.LSTM, one layer), gate rows i, f, g, o:
//   i, f, o = σ(·), g = tanh(·) of W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (per gate block)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
// Layouts, bindings and the drivers: rnn_common.wgsl, rnn_persistent.wgsl.
const G: u32 = 4u;

// hp[q][u] = (W_hh·h_{t-1} + b_hh)[q·H + j0 + u] and xp[q][u] = (W_ih x_t + b_ih)[q·H + j0 + u]
// for the four gate blocks of units j0 .. j0 + n − 1; returns their h_t.
fn cell_forward(t: u32, b: u32, j0: u32, hp: mat4x4f, xp: mat4x4f, n: u32) -> vec4f {
  let c_prev = load_cs(tm(t, b, j0), n);
  var c = vec4f();
  var h = vec4f();
  var saved = mat4x4f();
  for (var u = 0u; u < UNITS; u++) {
    let i = sigmoid_fn(xp[0][u] + hp[0][u]);
    let f = sigmoid_fn(xp[1][u] + hp[1][u]);
    let g = tanh_fn(xp[2][u] + hp[2][u]);
    let o = sigmoid_fn(xp[3][u] + hp[3][u]);
    c[u] = f * c_prev[u] + i * g;
    h[u] = o * tanh_fn(c[u]);
    saved[u] = vec4f(i, f, g, o);
  }
  store_gates(tm(t, b, j0), n, saved);
  store_cs(tm(t + 1u, b, j0), n, c);
  store_hs(tm(t + 1u, b, j0), n, h);
  store_output(t, b, j0, n, h);
  return h;
}

// dh_t = dy_t + rg, rg = W_hhᵀ·dg_{t+1};  dc_t = dh_t ⊙ o ⊙ (1 − tanh²c_t) + dc_{t+1} ⊙ f_{t+1}
// dg = [dc⊙g⊙i(1−i), dc⊙c_{t-1}⊙f(1−f), dc⊙i⊙(1−g²), dh⊙tanh(c_t)⊙o(1−o)]
// (= into dhs[t], dcs[t], dgx[b, t], dgh[t]); returns dg[q][u], gate q of unit j0 + u.
fn cell_backward(t: u32, b: u32, j0: u32, rg: vec4f, n: u32) -> mat4x4f {
  let H = p.H;
  let saved = load_gates(tm(t, b, j0), n);
  let c = load_cs(tm(t + 1u, b, j0), n);
  let c_prev = load_cs(tm(t, b, j0), n);
  let dy_t = output_grad(t, b, j0, n);
  var next = mat4x4f(); // step t+1's gates and dc_{t+1}
  var dc_next = vec4f();
  if (t + 1u < p.T) {
    next = load_gates(tm(t + 1u, b, j0), n);
    dc_next = load_dcs(tm(t + 1u, b, j0), n);
  }
  var dh = vec4f();
  var dc = vec4f();
  var dg = mat4x4f();
  for (var u = 0u; u < UNITS; u++) {
    let i = saved[u].x;
    let f = saved[u].y;
    let g = saved[u].z;
    let o = saved[u].w;
    let tc = tanh_fn(c[u]);
    var dhu = dy_t[u];
    var dcu = 0.0;
    if (t + 1u < p.T) {
      dhu += rg[u];
      dcu = dc_next[u] * next[u].y; // f_{t+1}
    }
    dcu += dhu * o * (1.0 - tc * tc);
    dh[u] = dhu;
    dc[u] = dcu;
    dg[0][u] = dcu * g * i * (1.0 - i);
    dg[1][u] = dcu * c_prev[u] * f * (1.0 - f);
    dg[2][u] = dcu * i * (1.0 - g * g);
    dg[3][u] = dhu * tc * o * (1.0 - o);
  }
  store_dhs(tm(t, b, j0), n, dh);
  store_dcs(tm(t, b, j0), n, dc);
  let x0 = bm_row(b, t) * 4u * H + j0;
  let h0 = (t * p.B + b) * 4u * H + j0;
  for (var q = 0u; q < 4u; q++) {
    store_dgx(x0 + q * H, n, dg[q]);
    store_dgh(h0 + q * H, n, dg[q]);
  }
  return dg;
}
