// The shipped Fashion-MNIST subset (public/data/fashion-mnist-subset.bin, made by
// scripts/make-fashion-subset.mjs): 10,000 train and 2,000 test images, 10 balanced classes.
import type { Dataset, Split } from './data';

export const FASHION_FILE = 'data/fashion-mnist-subset.bin';
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

async function gunzip(gz: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([gz as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Decodes the subset; pixels scaled to [0, 1]. `limit` keeps the first n training images. */
export async function decodeFashion(gz: Uint8Array, limit?: { train?: number; test?: number }): Promise<Dataset> {
  // A server that sends the file with Content-Encoding: gzip (as static servers do for .gz names,
  // which is why it is not called .gz) hands the page decompressed bytes: gunzip only gzip.
  const raw = gz[0] === 0x1f && gz[1] === 0x8b ? await gunzip(gz) : gz;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (new TextDecoder().decode(raw.subarray(0, 4)) !== 'GSFM') throw new Error(`${FASHION_FILE}: not a gradscope Fashion-MNIST file`);
  const nTrain = view.getUint32(4, true);
  const nTest = view.getUint32(8, true);
  if (raw.byteLength !== 12 + (nTrain + nTest) * 785) throw new Error(`${FASHION_FILE}: ${raw.byteLength} bytes, expected ${12 + (nTrain + nTest) * 785}`);
  const split = (at: number, n: number, keep: number): Split => {
    const k = Math.min(n, keep);
    const labels = Int32Array.from(raw.subarray(at, at + k));
    const pixels = raw.subarray(at + n, at + n + k * 784);
    const x = new Float32Array(k * 784);
    for (let i = 0; i < x.length; i++) x[i] = pixels[i] / 255;
    return { n: k, x, labels };
  };
  return {
    name: 'fashion_mnist',
    features: 784,
    classes: 10,
    train: split(12, nTrain, limit?.train ?? nTrain),
    test: split(12 + nTrain * 785, nTest, limit?.test ?? nTest),
  };
}
