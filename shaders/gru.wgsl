// GRU (PyTorch nn.GRU, one layer), gate rows r, z, n, with PyTorch's reset-gate placement:
//   r, z = σ(W_i· x_t + b_i· + W_h· h_{t-1} + b_h·),  n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn))
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
// Layouts and bindings: rnn_common.wgsl. One dispatch per step.

@compute @workgroup_size(WG)
fn gru_step_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let u = unit_of(wid, nwg, lid);
  if (!u.ok) { return; }
  let H = p.H;
  let x0 = bm_row(u.b) * 3u * H + u.j;
  let r = sigmoid_fn(xg[x0] + hidden_proj(u.b, u.j));
  let z = sigmoid_fn(xg[x0 + H] + hidden_proj(u.b, H + u.j));
  let hn = hidden_proj(u.b, 2u * H + u.j);
  let n = tanh_fn(xg[x0 + 2u * H] + r * hn);
  let h = (1.0 - z) * n + z * hs[tm(p.t, u.b, u.j)];
  let g0 = (p.t * p.B + u.b) * 4u * H + u.j;
  gates[g0] = r;
  gates[g0 + H] = z;
  gates[g0 + 2u * H] = n;
  gates[g0 + 3u * H] = hn;
  hs[tm(p.t + 1u, u.b, u.j)] = h;
  store_output(u.b, u.j, h);
}

// dh_t = dy_t + W_hhᵀ·dgh_{t+1} + dh_{t+1} ⊙ z_{t+1}
// dn' = dh⊙(1−z)⊙(1−n²);  dgx = [dn'⊙hn⊙r(1−r), dh⊙(h_{t-1} − n)⊙z(1−z), dn'];  dgh = dgx with dn'⊙r for n
// (= into dhs[t], dgx[b, t], dgh[t]; steps run t = T−1 … 0)
@compute @workgroup_size(WG)
fn gru_step_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let u = unit_of(wid, nwg, lid);
  if (!u.ok) { return; }
  let H = p.H;
  let g0 = (p.t * p.B + u.b) * 4u * H + u.j;
  let r = gates[g0];
  let z = gates[g0 + H];
  let n = gates[g0 + 2u * H];
  let hn = gates[g0 + 3u * H];
  var dh = output_grad(u.b, u.j);
  if (p.t + 1u < p.T) {
    let z_next = gates[((p.t + 1u) * p.B + u.b) * 4u * H + H + u.j];
    dh += recurrent_grad(u.b, u.j, 3u) + dhs[tm(p.t + 1u, u.b, u.j)] * z_next;
  }
  dhs[tm(p.t, u.b, u.j)] = dh;
  let dn = dh * (1.0 - z) * (1.0 - n * n);
  let dr = dn * hn * r * (1.0 - r);
  let dz = dh * (hs[tm(p.t, u.b, u.j)] - n) * z * (1.0 - z);
  let x0 = bm_row(u.b) * 3u * H + u.j;
  let d0 = (p.t * p.B + u.b) * 3u * H + u.j;
  dgx[x0] = dr;
  dgx[x0 + H] = dz;
  dgx[x0 + 2u * H] = dn;
  dgh[d0] = dr;
  dgh[d0 + H] = dz;
  dgh[d0 + 2u * H] = dn * r;
}
