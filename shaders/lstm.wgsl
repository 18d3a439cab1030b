// LSTM (PyTorch nn.LSTM, one layer), gate rows i, f, g, o:
//   i, f, o = σ(·), g = tanh(·) of W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (per gate block)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
// Layouts, bindings and the drivers: rnn_common.wgsl, rnn_persistent.wgsl.
const G: u32 = 4u;

// hp[q][u] = (W_hh·h_{t-1} + b_hh)[q·H + j0 + u] and xp[q][u] = (W_ih x_t + b_ih)[q·H + j0 + u]
// for the four gate blocks of units j0 .. j0 + n − 1; returns their h_t.
fn cell_forward(t: u32, b: u32, j0: u32, hp: mat4x4f, xp: mat4x4f, n: u32) -> vec4f {
  let i = sigmoid_units(xp[0] + hp[0]);
  let f = sigmoid_units(xp[1] + hp[1]);
  let g = tanh_units(xp[2] + hp[2]);
  let o = sigmoid_units(xp[3] + hp[3]);
  let c = f * load_cs(tm(t, b, j0), n) + i * g;
  let h = o * tanh_units(c);
  let saved = transpose(mat4x4f(i, f, g, o)); // saved[u]: unit j0 + u's (i, f, g, o)
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
  let gt = transpose(saved); // gt[q]: gate q of the units
  let i = gt[0];
  let f = gt[1];
  let g = gt[2];
  let o = gt[3];
  let tc = tanh_units(c);
  var dh = dy_t;
  var dc = vec4f();
  if (t + 1u < p.T) {
    dh += rg;
    dc = dc_next * transpose(next)[1]; // f_{t+1}
  }
  dc += dh * o * (1.0 - tc * tc);
  let dg = mat4x4f(dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f), dc * i * (1.0 - g * g), dh * tc * o * (1.0 - o));
  store_dhs(tm(t, b, j0), n, dh);
  store_dcs(tm(t, b, j0), n, dc);
  let x0 = bm_row(b, t) * 4u * H + j0;
  let h0 = (t * p.B + b) * 4u * H + j0;
  store_dgx(x0, n, dg[0]);
  store_dgx(x0 + H, n, dg[1]);
  store_dgx(x0 + 2u * H, n, dg[2]);
  store_dgx(x0 + 3u * H, n, dg[3]);
  store_dgh(h0, n, dg[0]);
  store_dgh(h0 + H, n, dg[1]);
  store_dgh(h0 + 2u * H, n, dg[2]);
  store_dgh(h0 + 3u * H, n, dg[3]);
  return dg;
}
