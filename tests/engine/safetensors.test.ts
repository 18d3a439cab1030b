// safetensors reader and writer: round trip is bit-exact; every malformed case from the
// reliability notes is rejected with its own message.
import { describe, expect, it } from 'vitest';
import { f32Tensor, readSafetensors, SafetensorsError, writeSafetensors } from '../../src/engine/safetensors';

function file(header: unknown, data = new Uint8Array(0), rawHeader?: Uint8Array): Uint8Array {
  const json = rawHeader ?? new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips tensors and metadata bit-exactly', () => {
    const w = Float32Array.from([1.5, -0, NaN, 3e-42, Infinity, 7]);
    const bytes = writeSafetensors({ 'layers.0.weight': f32Tensor([2, 3], w), 'layers.0.bias': f32Tensor([1], Float32Array.of(2)) }, { config: '{"a":1}' });
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ config: '{"a":1}' });
    expect(tensors['layers.0.weight'].shape).toEqual([2, 3]);
    expect(Buffer.from(tensors['layers.0.weight'].data).equals(Buffer.from(w.buffer))).toBe(true);
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
  });

  const t = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const cases: [string, Uint8Array, RegExp][] = [
    ['a file under 8 bytes', new Uint8Array(5), /too short/],
    ['a header length past the end', (() => { const f = file({ x: t }, new Uint8Array(8)); new DataView(f.buffer).setBigUint64(0, 10_000n, true); return f; })(), /runs past the end/],
    ['a header length over 100 MB', (() => { const f = new Uint8Array(16); new DataView(f.buffer).setBigUint64(0, 200_000_000n, true); return f; })(), /exceeds the 104857600-byte limit/],
    ['a header that is not UTF-8', file(null, new Uint8Array(0), Uint8Array.of(0xff, 0xfe, 0x7b)), /not valid UTF-8/],
    ['a header that is not JSON', file(null, new Uint8Array(0), new TextEncoder().encode('{nope')), /not JSON/],
    ['offsets that are not contiguous', file({ x: t, y: { ...t, data_offsets: [12, 20] } }, new Uint8Array(20)), /y: data_offsets begin at 12, expected 8/],
    ['a byte count that does not match the shape', file({ x: { ...t, shape: [3] } }, new Uint8Array(8)), /x: 8 bytes in data_offsets but shape \[3\] × F32 needs 12/],
    ['an unknown dtype', file({ x: { ...t, dtype: 'F128' } }, new Uint8Array(8)), /x: unknown dtype "F128"/],
    ['trailing data', file({ x: t }, new Uint8Array(12)), /4 bytes of trailing data/],
    ['missing data', file({ x: t }, new Uint8Array(6)), /truncated: header needs 8 bytes, file has 6/],
    ['a negative dimension', file({ x: { ...t, shape: [-2] } }, new Uint8Array(8)), /shape must be an array of non-negative integers/],
  ];
  it.each(cases)('rejects %s', (_, bytes, message) => {
    expect(() => readSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => readSafetensors(bytes)).toThrow(message);
  });
});

describe('safetensors from a Node Buffer', () => {
  it('copies tensor bytes out of a pooled Buffer (whose slice() aliases the pool)', () => {
    const y = Int32Array.from([0, 1, 2, 1, 0]);
    const bytes = Buffer.from(writeSafetensors({ y: { dtype: 'I32', shape: [5], data: new Uint8Array(y.buffer) } }));
    const t = readSafetensors(bytes).tensors.y;
    expect(Array.from(new Int32Array(t.data.slice().buffer))).toEqual([0, 1, 2, 1, 0]);
  });
});
