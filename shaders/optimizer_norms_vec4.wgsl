// optimizer_norms.wgsl's accessors over optimizers_vec4.wgsl's vec4 bindings (Adam and AdamW on
// parameter counts that are multiples of 4): the plain kernel's adam_update4, so the same bits.
fn read4(q: u32) -> vec4f { return param[q]; }
fn update4(q: u32, theta: vec4f) -> vec4f { return adam_update4(q, theta); }
fn write4(q: u32, theta: vec4f) { param[q] = theta; }
