// LSTM (PyTorch nn.LSTM, one layer), gate rows i, f, g, o:
//   i, f, o = σ(·), g = tanh(·) of W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (per gate block)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
// Layouts, bindings and the drivers: rnn_common.wgsl, rnn_persistent.wgsl.
const G: u32 = 4u;

// hp = W_hh·h_{t-1} + b_hh and xp = W_ih x_t + b_ih for unit j's rows of the four gate blocks;
// returns h_t.
fn cell_forward(t: u32, b: u32, j: u32, hp: vec4f, xp: vec4f) -> f32 {
  let i = sigmoid_fn(xp[0] + hp[0]);
  let f = sigmoid_fn(xp[1] + hp[1]);
  let g = tanh_fn(xp[2] + hp[2]);
  let o = sigmoid_fn(xp[3] + hp[3]);
  let c = f * cs[tm(t, b, j)] + i * g;
  let h = o * tanh_fn(c);
  gates[tm(t, b, j)] = vec4f(i, f, g, o);
  cs[tm(t + 1u, b, j)] = c;
  hs[tm(t + 1u, b, j)] = h;
  store_output(t, b, j, h);
  return h;
}

// dh_t = dy_t + rg, rg = W_hhᵀ·dg_{t+1};  dc_t = dh_t ⊙ o ⊙ (1 − tanh²c_t) + dc_{t+1} ⊙ f_{t+1}
// dg = [dc⊙g⊙i(1−i), dc⊙c_{t-1}⊙f(1−f), dc⊙i⊙(1−g²), dh⊙tanh(c_t)⊙o(1−o)]
// (= into dhs[t], dcs[t], dgx[b, t], dgh[t]); returns dg.
fn cell_backward(t: u32, b: u32, j: u32, rg: f32) -> vec4f {
  let H = p.H;
  let gv = gates[tm(t, b, j)];
  let i = gv.x;
  let f = gv.y;
  let g = gv.z;
  let o = gv.w;
  let tc = tanh_fn(cs[tm(t + 1u, b, j)]);
  var dh = output_grad(t, b, j);
  var dc = 0.0;
  if (t + 1u < p.T) {
    dh += rg;
    dc = dcs[tm(t + 1u, b, j)] * gates[tm(t + 1u, b, j)].y; // f_{t+1}
  }
  dc += dh * o * (1.0 - tc * tc);
  dhs[tm(t, b, j)] = dh;
  dcs[tm(t, b, j)] = dc;
  let dg = vec4f(dc * g * i * (1.0 - i), dc * cs[tm(t, b, j)] * f * (1.0 - f), dc * i * (1.0 - g * g), dh * tc * o * (1.0 - o));
  let x0 = bm_row(b, t) * 4u * H + j;
  let h0 = (t * p.B + b) * 4u * H + j;
  for (var q = 0u; q < 4u; q++) {
    dgx[x0 + q * H] = dg[q];
    dgh[h0 + q * H] = dg[q];
  }
  return dg;
}
