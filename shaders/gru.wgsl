// GRU (PyTorch nn.GRU, one layer), gate rows r, z, n, with PyTorch's reset-gate placement:
//   r, z = σ(W_i· x_t + b_i· + W_h· h_{t-1} + b_h·),  n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn))
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
// Layouts, bindings and the drivers: rnn_common.wgsl, rnn_persistent.wgsl.
const G: u32 = 3u;

// hp[q][u] = (W_hh·h_{t-1} + b_hh)[q·H + j0 + u] and xp[q][u] = (W_ih x_t + b_ih)[q·H + j0 + u]
// for the r, z, n blocks of units j0 .. j0 + n − 1; returns their h_t.
fn cell_forward(t: u32, b: u32, j0: u32, hp: mat4x4f, xp: mat4x4f, n: u32) -> vec4f {
  let h_prev = load_hs(tm(t, b, j0), n);
  let r = sigmoid_units(xp[0] + hp[0]);
  let z = sigmoid_units(xp[1] + hp[1]);
  let hn = hp[2];
  let nn = tanh_units(xp[2] + r * hn);
  let h = (1.0 - z) * nn + z * h_prev;
  let saved = transpose(mat4x4f(r, z, nn, hn)); // saved[u]: unit j0 + u's (r, z, n, hn)
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
  let gt = transpose(saved); // gt[q]: gate q of the units
  let r = gt[0];
  let z = gt[1];
  let nn = gt[2];
  let hn = gt[3];
  var dh = dy_t;
  if (t + 1u < p.T) { dh += rg + dh_next * transpose(next)[1]; } // z_{t+1}
  let dn = dh * (1.0 - z) * (1.0 - nn * nn);
  let dr = dn * hn * r * (1.0 - r);
  let dz = dh * (h_prev - nn) * z * (1.0 - z);
  store_dhs(tm(t, b, j0), n, dh);
  let x0 = bm_row(b, t) * 3u * H + j0;
  let d0 = (t * p.B + b) * 3u * H + j0;
  store_dgx(x0, n, dr);
  store_dgx(x0 + H, n, dz);
  store_dgx(x0 + 2u * H, n, dn);
  store_dgh(d0, n, dr);
  store_dgh(d0 + H, n, dz);
  store_dgh(d0 + 2u * H, n, dn * r);
  return mat4x4f(dr, dz, dn * r, vec4f());
}
