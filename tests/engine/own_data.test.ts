// Own data (src/engine/own_data.ts): a CSV with or without a header, integer or word labels, reads
// to the exact values; every kind of bad input is refused with one SpecError that names the file,
// line, column and field and the limit; the experiment-file form round-trips; the split is seeded
// and keeps every row exactly once.
import { describe, expect, it } from 'vitest';
import { makeOwnDataset, OWN_LIMITS, ownFromJson, ownToJson, parseOwnCsv } from '../../src/engine/own_data';
import { loadDataset } from '../../src/engine/dataset';
import { SpecError } from '../../src/engine/spec';

const refused = (text: string) => {
  try {
    parseOwnCsv(text, 'p.csv');
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('own data from a CSV', () => {
  it('reads x1,…,xn,label rows, with or without a header, blank lines and comments skipped', () => {
    const d = parseOwnCsv('0.5,-1,0\n\n# a comment\n1e-3,2,1\r\n3,4,1\n-.25,+7,0\n', 'p.csv');
    expect(d).toMatchObject({ features: 2, classes: 2, columns: ['x1', 'x2'] });
    expect([...d.x]).toEqual([0.5, -1, 1e-3, 2, 3, 4, -0.25, 7].map(Math.fround));
    expect([...d.labels]).toEqual([0, 1, 1, 0]);
    const h = parseOwnCsv('\uFEFFheight,"weight",age,kind\n1,2,3,cat\n4,5,6,dog\n7,8,9,cat\n1,1,1,ant\n', 'p.csv');
    expect(h).toMatchObject({ features: 3, classes: 3, columns: ['height', 'weight', 'age'], names: ['ant', 'cat', 'dog'] });
    expect([...h.labels]).toEqual([1, 2, 1, 0]);
  });

  it('refuses bad input naming line, column, field and the limit', () => {
    expect(refused('a,b,label\n1,2,0\n3,x,1\n5,6,0\n7,8,1\n')).toBe('p.csv:3:2 (b): expected a finite number in [-1000000, 1000000], got "x"');
    expect(refused('1,2,0\n3,4,1\n5,6\n7,8,1\n')).toBe('p.csv:3: expected 3 columns (as the first row), got 2');
    expect(refused('1,2,0\n3,4,1\n5,6,1.5\n7,8,1\n')).toBe('p.csv:3:3 (label): expected a class: an integer in [0, 9] or a word (numeric targets are not supported yet), got "1.5"');
    expect(refused('1,2,0\n3,4,12\n5,6,1\n7,8,1\n')).toMatch(/^p\.csv:2:3 \(label\): expected a class: an integer in \[0, 9\]/);
    expect(refused('1,2,0\n3,4,0\n5,6,0\n7,8,0\n')).toBe('p.csv (label): expected at least two classes, got "only class 0"');
    expect(refused('1,2,0\n3,4,1\n')).toBe('p.csv: expected at least 4 rows of data, got 2');
    expect(refused('1,2e9,0\n3,4,1\n5,6,1\n7,8,1\n')).toMatch(/^p\.csv:1:2 \(x2\): expected a finite number in \[-1000000, 1000000\], got "2e9"/);
    expect(refused('1,2,0\n3,NaN,1\n5,6,1\n7,8,1\n')).toMatch(/^p\.csv:2:2 \(x2\): expected a finite number/);
    expect(refused('')).toBe('p.csv: expected rows of x1,…,xn,label (at least 4), got "an empty file"');
    expect(refused('0\n1\n0\n1\n')).toBe('p.csv:1:1: expected at least two columns (features, then the label), got 1');
    const words = Array.from({ length: 11 }, (_, i) => `1,2,w${i}`).join('\n');
    expect(refused(words)).toBe('p.csv (label): expected at most 10 classes, got "11 distinct labels"');
    const long = Array.from({ length: OWN_LIMITS.rows + 1 }, (_, i) => `${i},${i % 2}`).join('\n');
    expect(refused(long)).toBe('p.csv: expected at most 10000 rows, got 10001');
    const wide = Array.from({ length: OWN_LIMITS.features + 2 }, () => '1').join(',');
    expect(refused([wide, wide, wide, wide].join('\n'))).toBe('p.csv: expected at most 1024 feature columns, got 1025');
  });
});

describe('own data in experiment files and as a data set', () => {
  const d = parseOwnCsv('x,y,c\n0.1,0.2,a\n0.3,0.4,b\n0.5,0.6,a\n0.7,0.8,b\n0.9,1.0,b\n', 'p.csv');

  it('round-trips through the experiment-file form exactly', () => {
    const back = ownFromJson(JSON.parse(JSON.stringify(ownToJson(d))), 'data');
    expect(back).toEqual(d);
  });

  it('refuses a hostile file form naming the path', () => {
    const bad = (v: unknown) => { try { ownFromJson(v, 'data'); } catch (e) { return (e as Error).message; } return 'accepted'; };
    expect(bad([])).toBe('data: expected an object with rows, got an array of 0');
    expect(bad({ rows: [[1, 2, 0], [1, '2', 1], [1, 2, 0], [1, 2, 1]] })).toBe('data.rows[1]: expected a list of numbers, got an array of 3');
    expect(bad({ rows: [[1, 2, 0], [1, 2, 1], [1, 2, 0], [1, 2, 7.5]] })).toMatch(/^data\.rows\[3\]\[2\] \(label\): expected a class/);
    expect(bad({ columns: ['x'], rows: [[1, 2, 0], [1, 2, 1], [1, 2, 0], [1, 2, 1]] })).toBe('data.columns: expected a list of 2 names, got an array of 1');
    expect(bad({ names: ['a'], rows: [[1, 2, 0], [1, 2, 1], [1, 2, 0], [1, 2, 1]] })).toBe('data.names: expected a list of 2 names, got an array of 1');
  });

  it('splits seeded: same seed same split, every row once, a fifth held out', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},${-i},${i % 3}`).join('\n');
    const big = parseOwnCsv(rows, 'p.csv');
    const a = makeOwnDataset(big, 3);
    expect(a).toMatchObject({ name: 'own', features: 2, classes: 3 });
    expect([a.train.n, a.test.n]).toEqual([40, 10]);
    expect(makeOwnDataset(big, 3)).toEqual(a);
    expect(makeOwnDataset(big, 4).test.x).not.toEqual(a.test.x);
    const seen = [...a.train.x.filter((_, k) => k % 2 === 0), ...a.test.x.filter((_, k) => k % 2 === 0)].sort((p, q) => p - q);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const s of [a.train, a.test]) for (let i = 0; i < s.n; i++) expect(s.labels[i]).toBe(s.x[2 * i] % 3);
  });
});

describe('own data outside the lab', () => {
  it('a run spec naming data "own" is refused where data sets are loaded (the command line has no rows to read yet)', async () => {
    await expect(loadDataset({ name: 'own', classes: 2, samples: 10, noise: 0, test_fraction: 0.2 }, 1)).rejects.toThrow(/^data\.name: expected a built-in data set \("own" rows come with the run/);
  });
});
