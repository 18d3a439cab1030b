// Elman RNN (PyTorch nn.RNN, one layer): h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act tanh
// or relu (the RELU override). Layouts, bindings and the drivers: rnn_common.wgsl,
// rnn_persistent.wgsl.
override RELU: bool = false;
const G: u32 = 1u;

// h_t = act(xp + hp) of units j0 .. j0 + n − 1, xp[0][u] = (W_ih x_t + b_ih)[j0 + u],
// hp[0][u] = (W_hh·h_{t-1} + b_hh)[j0 + u]; returns h_t.
fn cell_forward(t: u32, b: u32, j0: u32, hp: mat4x4f, xp: mat4x4f, n: u32) -> vec4f {
  let s = xp[0] + hp[0]; // lanes past UNITS: 0
  let h = select(tanh_units(s), max(s, vec4f()), RELU);
  store_hs(tm(t + 1u, b, j0), n, h);
  store_output(t, b, j0, n, h);
  return h;
}

// dh_t = dy_t + rg, rg = W_hhᵀ·dg_{t+1};  dg_t = dh_t ⊙ act'(s_t), act' from h_t (1 − h² or [h > 0])
// (= into dhs[t], dgx[b, t], dgh[t]); returns dgh_t in column 0 (gate 0) of units j0 + u.
fn cell_backward(t: u32, b: u32, j0: u32, rg: vec4f, n: u32) -> mat4x4f {
  var dh = output_grad(t, b, j0, n);
  if (t + 1u < p.T) { dh += rg; }
  let h = load_hs(tm(t + 1u, b, j0), n);
  let dg = dh * select(1.0 - h * h, select(vec4f(), vec4f(1.0), h > vec4f()), RELU);
  store_dhs(tm(t, b, j0), n, dh);
  store_dgx(bm_row(b, t) * p.H + j0, n, dg);
  store_dgh(tm(t, b, j0), n, dg);
  return mat4x4f(dg, vec4f(), vec4f(), vec4f());
}
