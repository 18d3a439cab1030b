// Your own data: rows of features and a class label, from a CSV file, from points drawn in the lab
// or from an experiment file, checked by one validator (`ownFromCells`) before anything uses them.
// Bad input is refused with a SpecError naming the file, line, column and field and the limit
// (the command line's vocabulary); a data set that passed is seeded-split like the toys.
import { splitPoints, type Dataset } from './data';
import { SpecError } from './spec';

export const OWN_LIMITS = {
  /** bytes of a CSV file the lab reads */
  bytes: 4 << 20,
  rows: 10_000,
  features: 1024,
  /** rows × features: keeps the training data a few MB */
  values: 1_000_000,
  classes: 10,
  /** |x| above this is a unit mistake, not a feature */
  abs: 1e6,
  /** fewest rows: at least one held-out and a few to train on */
  minRows: 4,
};

/** Validated own data: row-major features, one label per row, and the names read from the file. */
export interface OwnData {
  features: number;
  classes: number;
  /** [rows, features] */
  x: Float32Array;
  labels: Int32Array;
  /** column names of the features (x1, x2, … when the file had no header) */
  columns: string[];
  /** class names when labels were words (sorted: class i is names[i]); absent for 0..k-1 labels */
  names?: string[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The one validator: `cells` are rows of features then a label (strings from a CSV, numbers from
 * a file or a drawing); `at(row, col)` names a cell for errors; `header` holds column names.
 * Labels are integers 0..9 or words (up to 10 distinct, mapped to classes in sorted order).
 */
export function ownFromCells(cells: (string | number)[][], at: (row: number, col: number) => string, where: string, header?: string[]): OwnData {
  if (cells.length < OWN_LIMITS.minRows) throw new SpecError(where, `at least ${OWN_LIMITS.minRows} rows of data`, cells.length);
  if (cells.length > OWN_LIMITS.rows) throw new SpecError(where, `at most ${OWN_LIMITS.rows} rows`, cells.length);
  const width = header?.length ?? cells[0].length;
  const features = width - 1;
  if (features < 1) throw new SpecError(at(0, 0), 'at least two columns (features, then the label)', width);
  if (features > OWN_LIMITS.features) throw new SpecError(where, `at most ${OWN_LIMITS.features} feature columns`, features);
  if (cells.length * features > OWN_LIMITS.values) throw new SpecError(where, `at most ${OWN_LIMITS.values} values (rows × features)`, `${cells.length} × ${features}`);
  const columns = header ? header.slice(0, features) : Array.from({ length: features }, (_, j) => `x${j + 1}`);
  const labelName = header?.[features] ?? 'label';
  const x = new Float32Array(cells.length * features);
  const raw: string[] = [];
  cells.forEach((row, i) => {
    if (row.length !== width) throw new SpecError(at(i, -1), `${width} columns (${header ? 'as the header' : 'as the first row'})`, row.length);
    for (let j = 0; j < features; j++) {
      const c = row[j];
      const v = typeof c === 'number' ? c : NUMBER.test(c.trim()) ? Number(c) : NaN;
      if (!Number.isFinite(v) || Math.abs(v) > OWN_LIMITS.abs) {
        throw new SpecError(`${at(i, j)} (${columns[j]})`, `a finite number in [-${OWN_LIMITS.abs}, ${OWN_LIMITS.abs}]`, c);
      }
      x[i * features + j] = v;
    }
    raw.push(String(row[features]).trim());
  });
  const labels = new Int32Array(cells.length);
  const numeric = raw.every((l) => NUMBER.test(l));
  let names: string[] | undefined;
  if (numeric) {
    raw.forEach((l, i) => {
      const v = Number(l);
      if (!Number.isInteger(v) || v < 0 || v >= OWN_LIMITS.classes) {
        throw new SpecError(`${at(i, features)} (${labelName})`, `a class: an integer in [0, ${OWN_LIMITS.classes - 1}] or a word (numeric targets are not supported yet)`, cells[i][features]);
      }
      labels[i] = v;
    });
  } else {
    names = [...new Set(raw)].sort();
    if (names.length > OWN_LIMITS.classes) throw new SpecError(`${where} (${labelName})`, `at most ${OWN_LIMITS.classes} classes`, `${names.length} distinct labels`);
    const empty = raw.findIndex((l) => l === '');
    if (empty >= 0) throw new SpecError(`${at(empty, features)} (${labelName})`, 'a class label', '');
    const index = new Map(names.map((n, k) => [n, k]));
    raw.forEach((l, i) => (labels[i] = index.get(l)!));
  }
  const classes = names ? names.length : Math.max(...labels) + 1;
  if (new Set(labels).size < 2) throw new SpecError(`${where} (${labelName})`, 'at least two classes', `only class ${names ? names[labels[0]] : labels[0]}`);
  return { features, classes, x, labels, columns, ...(names ? { names } : {}) };
}

/**
 * A CSV of `x1,…,xn,label` rows with an optional header row (a first row whose feature cells are
 * not all numbers). `file` names the source in errors: `points.csv:7:2 (x2): expected …`.
 */
export function parseOwnCsv(text: string, file: string): OwnData {
  if (text.length > OWN_LIMITS.bytes) throw new SpecError(file, `at most ${OWN_LIMITS.bytes} bytes`, text.length);
  const lines: { n: number; cells: string[] }[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return; // blank lines and comments
    lines.push({ n: i + 1, cells: line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')) });
  });
  if (lines.length === 0) throw new SpecError(file, `rows of x1,…,xn,label (at least ${OWN_LIMITS.minRows})`, 'an empty file');
  const first = lines[0].cells;
  const hasHeader = first.slice(0, -1).some((c) => !NUMBER.test(c));
  const header = hasHeader ? first.map((c, j) => c || `column ${j + 1}`) : undefined;
  const rows = hasHeader ? lines.slice(1) : lines;
  const at = (r: number, c: number) => (c < 0 ? `${file}:${rows[r].n}` : `${file}:${rows[r].n}:${c + 1}`);
  return ownFromCells(rows.map((r) => r.cells), at, file, header);
}

/** The shortest decimal that reads back as this float32 (0.1, not 0.10000000149011612). */
export function shortF32(v: number): number {
  for (let p = 1; p < 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return v;
}

/** Row i as numbers: its features, then its class. */
export function ownRow(d: OwnData, i: number): number[] {
  return [...d.x.subarray(i * d.features, (i + 1) * d.features)].map(shortF32).concat(d.labels[i]);
}

/** The experiment-file form: column names, class names and the rows as numbers. */
export function ownToJson(d: OwnData): { columns: string[]; names?: string[]; rows: number[][] } {
  const rows = Array.from({ length: d.labels.length }, (_, i) => ownRow(d, i));
  return { columns: d.columns, ...(d.names ? { names: d.names } : {}), rows };
}

/** Reads ownToJson's form back from an untrusted file; `path` names it in errors (e.g. "data"). */
export function ownFromJson(v: unknown, path: string): OwnData {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SpecError(path, 'an object with rows', v);
  const o = v as { columns?: unknown; names?: unknown; rows?: unknown };
  if (!Array.isArray(o.rows)) throw new SpecError(`${path}.rows`, 'a list of rows [x1, …, xn, class]', o.rows);
  const rows = o.rows.slice(0, OWN_LIMITS.rows + 1);
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.some((c) => typeof c !== 'number')) throw new SpecError(`${path}.rows[${i}]`, 'a list of numbers', r);
  });
  const width = (rows[0] as number[] | undefined)?.length ?? 0;
  const strings = (x: unknown, n: number, name: string) => {
    if (!Array.isArray(x) || x.length !== n || x.some((c) => typeof c !== 'string' || c.length > 100)) throw new SpecError(`${path}.${name}`, `a list of ${n} names`, x);
    return x as string[];
  };
  const columns = o.columns === undefined ? undefined : strings(o.columns, width - 1, 'columns');
  const d = ownFromCells(rows as number[][], (r, c) => (c < 0 ? `${path}.rows[${r}]` : `${path}.rows[${r}][${c}]`), `${path}.rows`, columns && [...columns, 'class']);
  if (o.names !== undefined) {
    const names = strings(o.names, d.classes, 'names');
    return { ...d, names };
  }
  return d;
}

/** Own data as a data set: shuffled with the seed and split train / held-out like the toys. */
export function makeOwnDataset(d: OwnData, seed: number, testFraction = 0.2): Dataset {
  const points = Array.from(d.labels, (label, i) => ({ x: [...d.x.subarray(i * d.features, (i + 1) * d.features)], label }));
  return splitPoints('own', d.features, d.classes, points, seed, testFraction);
}
