// The product's output as vec4s, for matmul_vec4.wgsl (N a multiple of 4: every row starts on a
// vec4), with matmul_out.wgsl's functions. On lavapipe a store to a per-lane address is a loop
// over the lanes whatever its width, so one vec4 store of 4 adjacent outputs costs what one
// scalar store does: dW = dYᵀ·X at batch 32, where the 8×8 stores are a third of the time,
// ran ~7% faster (interleaved rounds, 256×784×32 and 256×256×32; no change at batch 128).
@group(0) @binding(0) var<storage, read_write> out: array<vec4f>;

fn store_out(i: u32, v: f32) { out[i >> 2u][i & 3u] = v; }

fn store_out4(i4: u32, v: vec4f) { out[i4] = v; }
