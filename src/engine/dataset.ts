// Loads the data set a spec names, in the browser or in Node: toys are generated, Fashion-MNIST
// is read from the shipped subset (fetched from the page's origin, or read from public/ in Node).
import { makeToyDataset, type Dataset } from './data';
import { decodeFashion, FASHION_FILE } from './fashion';
import { SpecError, type DataSpec } from './spec';

async function readShipped(path: string): Promise<Uint8Array> {
  // Vite drops the Node branch from the page build (SSR is false there) and the fetch branch
  // from the command line (an SSR build) and from vitest.
  if (!import.meta.env.SSR) {
    const res = await fetch(`${import.meta.env.BASE_URL}${path}`);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  const { readFile } = await import('node:fs/promises');
  const { fileURLToPath } = await import('node:url');
  // From src/engine/ in vitest or from dist-cli/ in the built command line: public/ is one or two levels up.
  for (const up of ['../../public/', '../public/']) {
    try {
      return new Uint8Array(await readFile(fileURLToPath(new URL(up + path, import.meta.url))));
    } catch { /* try the next location */ }
  }
  throw new Error(`${path}: not found under public/ (run from the repository)`);
}

export async function loadDataset(spec: DataSpec, seed: number): Promise<Dataset> {
  if (spec.name === 'own') throw new SpecError('data.name', 'a built-in data set ("own" rows come with the run, as the lab\'s own data; the command line reads none yet)', spec.name);
  if (spec.name !== 'fashion_mnist') return makeToyDataset(spec, seed);
  return decodeFashion(await readShipped(FASHION_FILE), { train: spec.samples });
}
