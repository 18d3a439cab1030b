// safetensors: an 8-byte little-endian header length, a JSON header, then the tensor bytes.
// readSafetensors rejects every malformed case with a specific SafetensorsError before anything
// is used, so a bad file never half-loads a model.

export type StDtype = 'F32' | 'I32' | 'U32' | 'I64' | 'F64' | 'F16' | 'BF16' | 'U8' | 'I8' | 'BOOL' | 'I16' | 'U16' | 'U64';
const DTYPE_BYTES: Record<StDtype, number> = { F64: 8, I64: 8, U64: 8, F32: 4, I32: 4, U32: 4, F16: 2, BF16: 2, I16: 2, U16: 2, U8: 1, I8: 1, BOOL: 1 };
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface StTensor {
  dtype: StDtype;
  shape: number[];
  /** little-endian bytes */
  data: Uint8Array;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

export function f32Tensor(shape: number[], values: Float32Array): StTensor {
  return { dtype: 'F32', shape, data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

/** The tensor's values; refuses any dtype but F32 and any NaN or ±Inf, naming the first. */
export function asFloat32(t: StTensor, name: string): Float32Array {
  if (t.dtype !== 'F32') throw new SafetensorsError(`${name}: dtype ${t.dtype}, expected F32`);
  const values = new Float32Array(t.data.slice().buffer);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new SafetensorsError(`${name}${indexIn(t.shape, i)} is ${values[i]} (expected finite values)`);
  }
  return values;
}

/** "[2, 5]" for flat index 13 of shape [4, 4]. */
function indexIn(shape: number[], flat: number): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

export function writeSafetensors(tensors: Record<string, StTensor>, metadata: Record<string, string> = {}): Uint8Array {
  // Larger dtypes first keeps every tensor aligned to its element size; then by name.
  const names = Object.keys(tensors).sort((a, b) => DTYPE_BYTES[tensors[b].dtype] - DTYPE_BYTES[tensors[a].dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const expected = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== expected) throw new SafetensorsError(`${name}: ${t.data.byteLength} bytes for shape [${t.shape}] ${t.dtype}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + expected] };
    offset += expected;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // data starts 8-byte aligned
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    out.set(tensors[name].data, at);
    at += tensors[name].data.byteLength;
  }
  return out;
}

export function readSafetensors(input: Uint8Array): { tensors: Record<string, StTensor>; metadata: Record<string, string> } {
  // A plain Uint8Array view: Node's Buffer.slice would alias its shared pool instead of copying.
  const file = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (file.byteLength < 8) throw new SafetensorsError(`file is ${file.byteLength} bytes: too short for the 8-byte header length`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLen > BigInt(file.byteLength - 8)) throw new SafetensorsError(`header length ${headerLen} runs past the end of the ${file.byteLength}-byte file`);
  const n = Number(headerLen);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError('header is not a JSON object');

  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: StDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SafetensorsError('__metadata__ is not an object');
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw new SafetensorsError(`__metadata__.${k} is not a string`);
        metadata[k] = s;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') throw new SafetensorsError(`${name}: entry is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) throw new SafetensorsError(`${name}: unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`${name}: shape must be an array of non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[1] < off[0]) {
      throw new SafetensorsError(`${name}: data_offsets must be [begin, end] with 0 <= begin <= end`);
    }
    const count = e.shape.reduce((a: number, b: number) => a * b, 1);
    const bytes = count * DTYPE_BYTES[e.dtype as StDtype];
    if (!Number.isSafeInteger(bytes)) throw new SafetensorsError(`${name}: shape [${e.shape}] overflows`);
    if (off[1] - off[0] !== bytes) {
      throw new SafetensorsError(`${name}: ${off[1] - off[0]} bytes in data_offsets but shape [${e.shape}] × ${e.dtype} needs ${bytes}`);
    }
    entries.push({ name, dtype: e.dtype as StDtype, shape: e.shape, begin: off[0], end: off[1] });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const e of entries) {
    if (e.begin !== expectedBegin) throw new SafetensorsError(`${e.name}: data_offsets begin at ${e.begin}, expected ${expectedBegin} (offsets must be contiguous from 0)`);
    expectedBegin = e.end;
  }
  const dataBytes = file.byteLength - 8 - n;
  if (expectedBegin < dataBytes) throw new SafetensorsError(`${dataBytes - expectedBegin} bytes of trailing data after the last tensor`);
  if (expectedBegin > dataBytes) throw new SafetensorsError(`tensor data is truncated: header needs ${expectedBegin} bytes, file has ${dataBytes}`);
  const tensors: Record<string, StTensor> = {};
  for (const e of entries) tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: file.slice(8 + n + e.begin, 8 + n + e.end) };
  return { tensors, metadata };
}
