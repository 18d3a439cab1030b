// GRU (PyTorch nn.GRU, one layer), gate rows r, z, n, with PyTorch's reset-gate placement:
//   r, z = σ(W_i· x_t + b_i· + W_h· h_{t-1} + b_h·),  n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn))
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
// Layouts, bindings and the drivers: rnn_common.wgsl, rnn_persistent.wgsl.
const G: u32 = 3u;

// hp = W_hh·h_{t-1} + b_hh and xp = W_ih x_t + b_ih for unit j's rows of the r, z, n blocks;
// returns h_t.
fn cell_forward(t: u32, b: u32, j: u32, hp: vec4f, xp: vec4f) -> f32 {
  let r = sigmoid_fn(xp[0] + hp[0]);
  let z = sigmoid_fn(xp[1] + hp[1]);
  let hn = hp[2];
  let n = tanh_fn(xp[2] + r * hn);
  let h = (1.0 - z) * n + z * hs[tm(t, b, j)];
  gates[tm(t, b, j)] = vec4f(r, z, n, hn);
  hs[tm(t + 1u, b, j)] = h;
  store_output(t, b, j, h);
  return h;
}

// dh_t = dy_t + rg + dh_{t+1} ⊙ z_{t+1}, rg = W_hhᵀ·dgh_{t+1}
// dn' = dh⊙(1−z)⊙(1−n²);  dgx = [dn'⊙hn⊙r(1−r), dh⊙(h_{t-1} − n)⊙z(1−z), dn'];  dgh = dgx with dn'⊙r for n
// (= into dhs[t], dgx[b, t], dgh[t]); returns dgh.
fn cell_backward(t: u32, b: u32, j: u32, rg: f32) -> vec4f {
  let H = p.H;
  let gv = gates[tm(t, b, j)];
  let r = gv.x;
  let z = gv.y;
  let n = gv.z;
  let hn = gv.w;
  var dh = output_grad(t, b, j);
  if (t + 1u < p.T) {
    let z_next = gates[tm(t + 1u, b, j)].y;
    dh += rg + dhs[tm(t + 1u, b, j)] * z_next;
  }
  dhs[tm(t, b, j)] = dh;
  let dn = dh * (1.0 - z) * (1.0 - n * n);
  let dr = dn * hn * r * (1.0 - r);
  let dz = dh * (hs[tm(t, b, j)] - n) * z * (1.0 - z);
  let x0 = bm_row(b, t) * 3u * H + j;
  let d0 = (t * p.B + b) * 3u * H + j;
  dgx[x0] = dr;
  dgx[x0 + H] = dz;
  dgx[x0 + 2u * H] = dn;
  dgh[d0] = dr;
  dgh[d0 + H] = dz;
  dgh[d0 + 2u * H] = dn * r;
  return vec4f(dr, dz, dn * r, 0.0);
}
