// The product's output, as f32s: the matmul families whose N may be any width (the kernels that
// run only where N is a multiple of 4 take matmul_out_vec4.wgsl instead). The epilogue
// (matmul_common.wgsl) stores through store_out; store_out4 stores 4 adjacent outputs of a row
// (i4: their index in vec4s).
@group(0) @binding(0) var<storage, read_write> out: array<f32>;

fn store_out(i: u32, v: f32) { out[i] = v; }

fn store_out4(i4: u32, v: vec4f) {
  for (var j = 0u; j < 4u; j++) { out[4u * i4 + j] = v[j]; }
}
