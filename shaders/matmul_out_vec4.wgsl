// The product's output as vec4s, for the kernels that run only where N is a multiple of 4 (every
// row starts on a vec4: tn_vec4, the rows8 ones), with matmul_out.wgsl's functions. On lavapipe a
// store to a per-lane address is a loop over the lanes whatever its width, so one vec4 store of 4
// adjacent outputs (store4) costs what one scalar store does: where K is small the stores are a
// large share, dX 128×256×10 1.8-2.1 -> 2.4-2.5 GFLOP/s, dW 256×784×32 +5-20%; K = 256 unchanged.
@group(0) @binding(0) var<storage, read_write> out: array<vec4f>;

fn store_out(i: u32, v: f32) { out[i >> 2u][i & 3u] = v; }

fn store_out4(i4: u32, v: vec4f) { out[i4] = v; }
