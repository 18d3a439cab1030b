// Elman RNN (PyTorch nn.RNN, one layer): h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act tanh
// or relu (the RELU override). Layouts, bindings and the drivers: rnn_common.wgsl,
// rnn_persistent.wgsl.
override RELU: bool = false;
const G: u32 = 1u;

// h_t = act(xp + hp), xp = W_ih x_t + b_ih, hp = W_hh·h_{t-1} + b_hh; returns h_t.
fn cell_forward(t: u32, b: u32, j: u32, hp: vec4f, xp: vec4f) -> f32 {
  let s = xp[0] + hp[0];
  let h = select(tanh_fn(s), max(s, 0.0), RELU);
  hs[tm(t + 1u, b, j)] = h;
  store_output(t, b, j, h);
  return h;
}

// dh_t = dy_t + rg, rg = W_hhᵀ·dg_{t+1};  dg_t = dh_t ⊙ act'(s_t), act' from h_t (1 − h² or [h > 0])
// (= into dhs[t], dgx[b, t], dgh[t]); returns dgh_t.
fn cell_backward(t: u32, b: u32, j: u32, rg: f32) -> vec4f {
  var dh = output_grad(t, b, j);
  if (t + 1u < p.T) { dh += rg; }
  dhs[tm(t, b, j)] = dh;
  let h = hs[tm(t + 1u, b, j)];
  let dg = dh * select(1.0 - h * h, select(0.0, 1.0, h > 0.0), RELU);
  dgx[bm_row(b, t) * p.H + j] = dg;
  dgh[tm(t, b, j)] = dg;
  return vec4f(dg, 0.0, 0.0, 0.0);
}
