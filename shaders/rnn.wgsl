// Elman RNN (PyTorch nn.RNN, one layer): h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act tanh
// or relu (the RELU override). Layouts and bindings: rnn_common.wgsl. One dispatch per step.
override RELU: bool = false;

// h_t = act(xg[b, t] + W_hh·h_{t-1} + b_hh)
@compute @workgroup_size(WG)
fn rnn_step_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let u = unit_of(wid, nwg, lid);
  if (!u.ok) { return; }
  let s = xg[bm_row(u.b) * p.H + u.j] + hidden_proj(u.b, u.j);
  let h = select(tanh_fn(s), max(s, 0.0), RELU);
  hs[tm(p.t + 1u, u.b, u.j)] = h;
  store_output(u.b, u.j, h);
}

// dh_t = dy_t + W_hhᵀ·dg_{t+1};  dg_t = dh_t ⊙ act'(s_t), act' from h_t (1 − h² or [h > 0])
// (= into dhs[t], dgx[b, t], dgh[t]; steps run t = T−1 … 0)
@compute @workgroup_size(WG)
fn rnn_step_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let u = unit_of(wid, nwg, lid);
  if (!u.ok) { return; }
  var dh = output_grad(u.b, u.j);
  if (p.t + 1u < p.T) { dh += recurrent_grad(u.b, u.j, 1u); }
  dhs[tm(p.t, u.b, u.j)] = dh;
  let h = hs[tm(p.t + 1u, u.b, u.j)];
  let dg = dh * select(1.0 - h * h, select(0.0, 1.0, h > 0.0), RELU);
  dgx[bm_row(u.b) * p.H + u.j] = dg;
  dgh[tm(p.t, u.b, u.j)] = dg;
}
