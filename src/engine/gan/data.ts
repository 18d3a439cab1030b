// Seeded 2-D target distributions for GANs, and how well a set of generated samples covers them.
// ring: 8 Gaussians on a circle of radius 2; grid: 5 × 5 Gaussians at {−2, −1, 0, 1, 2}²; each
// of std data.noise (the mixtures of Metz et al. 2017 and Srivastava et al. 2017, rescaled).
// line: a segment from (−2, −1) to (2, 1); moons and spiral: the classifier toys (../data.ts),
// labels dropped. Labels here are the mode a sample was drawn from (0 where there are no modes).
import { makeToyDataset, type Dataset, type Split } from '../data';
import type { GanDataSpec } from './spec';
import { Rng } from '../rng';

/** Centres of the Gaussian modes of ring and grid; none for the other sets. */
export function modeCentres(name: GanDataSpec['name']): [number, number][] {
  if (name === 'ring') return Array.from({ length: 8 }, (_, k) => [2 * Math.cos((k * Math.PI) / 4), 2 * Math.sin((k * Math.PI) / 4)]);
  if (name === 'grid') return Array.from({ length: 25 }, (_, k) => [(k % 5) - 2, Math.floor(k / 5) - 2]);
  return [];
}

export function makeGanDataset(spec: GanDataSpec, seed: number): Dataset {
  const n = spec.samples;
  const empty: Split = { n: 0, x: new Float32Array(0), labels: new Int32Array(0) };
  if (spec.name === 'moons' || spec.name === 'spiral') {
    const toy = makeToyDataset({ name: spec.name, classes: 2, samples: n, noise: spec.noise, test_fraction: 0 }, seed);
    return { ...toy, classes: 0, test: empty };
  }
  const rng = new Rng(seed).fork(0x6a4);
  const x = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  const centres = modeCentres(spec.name);
  for (let i = 0; i < n; i++) {
    if (centres.length) {
      const k = rng.int(centres.length);
      labels[i] = k;
      x[2 * i] = centres[k][0] + spec.noise * rng.normal();
      x[2 * i + 1] = centres[k][1] + spec.noise * rng.normal();
    } else {
      const t = rng.uniform(-1, 1); // line
      x[2 * i] = 2 * t + spec.noise * rng.normal();
      x[2 * i + 1] = t + spec.noise * rng.normal();
    }
  }
  return { name: spec.name, features: 2, classes: 0, train: { n, x, labels }, test: empty };
}

export interface Coverage {
  /** Modes with at least `minPerMode` high-quality samples. */
  modesHit: number;
  modes: number;
  /** Fraction of samples within 3 std (data.noise) of their nearest mode centre. */
  highQuality: number;
  minPerMode: number;
}

/**
 * Mode coverage of samples [n, 2] on ring or grid, as Srivastava et al. 2017 (VEEGAN) count it: a
 * sample is high quality within 3 std of its nearest centre, and a mode is hit with at least
 * n/125 of them (20 of 2,500).
 */
export function coverage(samples: Float32Array, spec: GanDataSpec): Coverage {
  const centres = modeCentres(spec.name);
  if (!centres.length) throw new Error(`coverage: data "${spec.name}" has no modes (ring and grid do)`);
  const n = samples.length / 2;
  const counts = new Array(centres.length).fill(0);
  const radius = 3 * spec.noise;
  let good = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestD = Infinity;
    centres.forEach(([cx, cy], k) => {
      const d = Math.hypot(samples[2 * i] - cx, samples[2 * i + 1] - cy);
      if (d < bestD) { bestD = d; best = k; }
    });
    if (bestD <= radius) { good++; counts[best]++; }
  }
  const minPerMode = Math.max(1, Math.ceil(n / 125));
  return { modesHit: counts.filter((c) => c >= minPerMode).length, modes: centres.length, highQuality: good / n, minPerMode };
}
