#!/usr/bin/env node
// Builds public/data/fashion-mnist-subset.bin from Debian's dataset-fashion-mnist package (MIT
// licence; `apt-get install dataset-fashion-mnist`). The file is gzip-compressed but not named
// .gz: static servers would add Content-Encoding: gzip and the browser would unpack it first.
// It holds the first N_TRAIN/10 training images of
// each class and the first N_TEST/10 test images of each class, in data-set order.
// Format (after gunzip): "GSFM", u32 nTrain, u32 nTest (little-endian), then nTrain labels (u8),
// nTrain×784 pixels (u8), nTest labels, nTest×784 pixels. Read by src/engine/fashion.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

const SRC = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const OUT = new URL('../public/data/fashion-mnist-subset.bin', import.meta.url);
const N_TRAIN = 10_000;
const N_TEST = 2_000;

function idx(file, magic) {
  const b = gunzipSync(readFileSync(`${SRC}/${file}`));
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0) !== magic) throw new Error(`${file}: bad magic`);
  const n = v.getUint32(4);
  return { n, data: b.subarray(magic === 2051 ? 16 : 8) };
}

function balanced(prefix, count) {
  const images = idx(`${prefix}-images-idx3-ubyte.gz`, 2051);
  const labels = idx(`${prefix}-labels-idx1-ubyte.gz`, 2049);
  const per = count / 10;
  const taken = new Array(10).fill(0);
  const outLabels = new Uint8Array(count);
  const outPixels = new Uint8Array(count * 784);
  let k = 0;
  for (let i = 0; i < labels.n && k < count; i++) {
    const c = labels.data[i];
    if (taken[c] >= per) continue;
    taken[c]++;
    outLabels[k] = c;
    outPixels.set(images.data.subarray(i * 784, (i + 1) * 784), k * 784);
    k++;
  }
  if (k !== count) throw new Error(`${prefix}: only ${k} of ${count} images`);
  return { outLabels, outPixels };
}

const train = balanced('train', N_TRAIN);
const test = balanced('t10k', N_TEST);
const header = new Uint8Array(12);
header.set(new TextEncoder().encode('GSFM'));
new DataView(header.buffer).setUint32(4, N_TRAIN, true);
new DataView(header.buffer).setUint32(8, N_TEST, true);
const raw = Buffer.concat([header, train.outLabels, train.outPixels, test.outLabels, test.outPixels]);
const gz = gzipSync(raw, { level: 9 });
writeFileSync(OUT, gz);
console.log(`wrote ${OUT.pathname}: ${N_TRAIN} train + ${N_TEST} test images, ${(gz.length / 1e6).toFixed(2)} MB`);
