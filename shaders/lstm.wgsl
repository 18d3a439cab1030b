// LSTM (PyTorch nn.LSTM, one layer), gate rows i, f, g, o:
//   i, f, o = σ(·), g = tanh(·) of W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (per gate block)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
// Layouts and bindings: rnn_common.wgsl. One dispatch per step.

@compute @workgroup_size(WG)
fn lstm_step_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let u = unit_of(wid, nwg, lid);
  if (!u.ok) { return; }
  let H = p.H;
  let x0 = bm_row(u.b) * 4u * H + u.j;
  let i = sigmoid_fn(xg[x0] + hidden_proj(u.b, u.j));
  let f = sigmoid_fn(xg[x0 + H] + hidden_proj(u.b, H + u.j));
  let g = tanh_fn(xg[x0 + 2u * H] + hidden_proj(u.b, 2u * H + u.j));
  let o = sigmoid_fn(xg[x0 + 3u * H] + hidden_proj(u.b, 3u * H + u.j));
  let c = f * cs[tm(p.t, u.b, u.j)] + i * g;
  let h = o * tanh_fn(c);
  let g0 = (p.t * p.B + u.b) * 4u * H + u.j;
  gates[g0] = i;
  gates[g0 + H] = f;
  gates[g0 + 2u * H] = g;
  gates[g0 + 3u * H] = o;
  cs[tm(p.t + 1u, u.b, u.j)] = c;
  hs[tm(p.t + 1u, u.b, u.j)] = h;
  store_output(u.b, u.j, h);
}

// dh_t = dy_t + W_hhᵀ·dg_{t+1};  dc_t = dh_t ⊙ o ⊙ (1 − tanh²c_t) + dc_{t+1} ⊙ f_{t+1}
// dg = [dc⊙g⊙i(1−i), dc⊙c_{t-1}⊙f(1−f), dc⊙i⊙(1−g²), dh⊙tanh(c_t)⊙o(1−o)]
// (= into dhs[t], dcs[t], dgx[b, t], dgh[t]; steps run t = T−1 … 0)
@compute @workgroup_size(WG)
fn lstm_step_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let u = unit_of(wid, nwg, lid);
  if (!u.ok) { return; }
  let H = p.H;
  let g0 = (p.t * p.B + u.b) * 4u * H + u.j;
  let i = gates[g0];
  let f = gates[g0 + H];
  let g = gates[g0 + 2u * H];
  let o = gates[g0 + 3u * H];
  let tc = tanh_fn(cs[tm(p.t + 1u, u.b, u.j)]);
  var dh = output_grad(u.b, u.j);
  var dc = 0.0;
  if (p.t + 1u < p.T) {
    dh += recurrent_grad(u.b, u.j, 4u);
    dc = dcs[tm(p.t + 1u, u.b, u.j)] * gates[((p.t + 1u) * p.B + u.b) * 4u * H + H + u.j];
  }
  dc += dh * o * (1.0 - tc * tc);
  dhs[tm(p.t, u.b, u.j)] = dh;
  dcs[tm(p.t, u.b, u.j)] = dc;
  let dg = vec4f(dc * g * i * (1.0 - i), dc * cs[tm(p.t, u.b, u.j)] * f * (1.0 - f), dc * i * (1.0 - g * g), dh * tc * o * (1.0 - o));
  let x0 = bm_row(u.b) * 4u * H + u.j;
  for (var q = 0u; q < 4u; q++) {
    dgx[x0 + q * H] = dg[q];
    dgh[g0 + q * H] = dg[q];
  }
}
