// Dead units per layer: a unit (column of a layer's [rows, width] output) is dead when it is
// <= 0 for every row of the batch (a ReLU that passes no gradient). One invocation per column of
// every layer; counts per layer are integer atomics (exact, order-free).
override WG: u32 = 64;

struct Params { columns: u32 }
struct Layer { offset: u32, rows: u32, width: u32, first_column: u32 }

@group(0) @binding(0) var<storage, read_write> dead: array<atomic<u32>>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> column_layer: array<u32>;
@group(0) @binding(3) var<storage, read> layers: array<Layer>;
@group(0) @binding(4) var<uniform> p: Params;

// dead[l] = #{ c in layer l : x[r, c] <= 0 for all r }   (=, after the caller zeroes dead)
@compute @workgroup_size(WG)
fn dead_units(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg) * WG + lid;
  if (c >= p.columns) { return; }
  let l = column_layer[c];
  let layer = layers[l];
  let col = c - layer.first_column;
  var alive = false;
  for (var r = 0u; r < layer.rows; r++) {
    let v = x[layer.offset + r * layer.width + col];
    // A NaN is not "<= 0": count it alive, the non-finite checks report it.
    if (!(v <= 0.0) || is_nan(v)) { alive = true; break; }
  }
  if (!alive) { atomicAdd(&dead[l], 1u); }
}
