// Small chart building blocks over uPlot (line charts) and plain canvases (heatmap, histograms,
// decision boundary). Charts are created once and fed with setData; nothing here awaits the GPU.
import uPlot from 'uplot';

export interface LineSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  /** fixed y range (e.g. [0, 1] for fractions) */
  yRange?: [number, number];
  /** x values are whole numbers (layers, steps): ticks only at integers */
  integerX?: boolean;
  height?: number;
  /** one line on how to read the chart (axes, what vanishing or exploding looks like), behind the help toggle */
  how?: string;
}

export interface Line {
  label: string;
  color: string;
  dash?: number[];
  width?: number;
}

/** A uPlot chart whose series can be replaced wholesale (run or layer count changed). */
export class LineChart {
  private plot: uPlot | null = null;
  private signature = '';
  readonly root: HTMLElement;

  constructor(parent: HTMLElement, private spec: LineSpec) {
    this.root = figure(parent, spec.title, spec.how);
    // The plot follows its panel's width (the grid's columns change with the window).
    new ResizeObserver(() => {
      const width = this.width();
      if (this.plot && Math.abs(width - this.plot.width) > 1) this.plot.setSize({ width, height: this.plot.height });
    }).observe(this.root);
  }

  private width(): number {
    const style = getComputedStyle(this.root);
    return Math.max(200, Math.floor(this.root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)) || 420);
  }

  get canvas(): HTMLCanvasElement | null {
    return this.plot?.ctx.canvas ?? null;
  }

  /** x is shared by every line; y values may be null (gaps). */
  set(x: number[], lines: Line[], ys: (number | null)[][]): void {
    // A new plot only when the lines themselves change; new label text (a step number) is written
    // into the legend in place (rebuilding a uPlot costs a frame's budget on a software GPU).
    const sig = lines.map((l) => `${l.color}|${l.dash ?? ''}|${l.width ?? ''}`).join(';');
    const data = [x, ...ys.map((y) => y.map((v) => (v === null || !Number.isFinite(v) || (this.spec.logY && v <= 0) ? null : v)))] as uPlot.AlignedData;
    if (!this.plot || sig !== this.signature) {
      this.plot?.destroy();
      this.signature = sig;
      this.plot = new uPlot({
        width: this.width(), height: this.spec.height ?? 200,
        legend: { show: lines.length <= 8, live: false },
        scales: { x: { time: false }, y: this.spec.logY ? { distr: 3 } : this.spec.yRange ? { range: this.spec.yRange } : {} },
        axes: [
          { label: this.spec.xLabel, size: 36, incrs: this.spec.integerX ? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] : undefined },
          { label: this.spec.yLabel, size: 60, values: this.spec.logY ? (_u, vals) => vals.map(logTick) : undefined },
        ],
        series: [{ label: this.spec.xLabel }, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: l.width ?? 1.5, dash: l.dash, spanGaps: true, points: { show: fewPoints } }))],
      }, data, this.root);
    } else {
      this.plot.setData(data);
      const labels = this.plot.root.querySelectorAll('.u-legend .u-series .u-label'); // the lines' (no x row: not live)
      lines.forEach((l, i) => {
        const series = this.plot!.series[i + 1];
        if (series.label === l.label) return;
        series.label = l.label;
        if (labels[i]) labels[i].textContent = l.label;
      });
    }
    // A line without a label (a placeholder with no data yet) has no legend entry.
    this.plot.root.querySelectorAll<HTMLElement>('.u-legend .u-series').forEach((row, i) => (row.hidden = !lines[i]?.label));
  }
}

/** Dots only while a chart has so few x values that a line could not show them (a single point). */
function fewPoints(u: uPlot, _series: number, idx0: number, idx1: number): boolean {
  return u.data[0].length <= 2 || idx1 - idx0 < 2;
}

/** Powers of ten as 1eN, other log-axis ticks with two significant digits. */
function logTick(v: number | null): string {
  if (v === null || !(v > 0)) return '';
  const e = Math.log10(v);
  return Math.abs(e - Math.round(e)) < 1e-9 ? `1e${Math.round(e)}` : v.toPrecision(2);
}

/** Class colours: the decision boundary, the own-data drawing (d3's category10). */
export const CLASS_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Viridis-like colour for t in [0, 1] (layer depth: input dark blue, output yellow). */
export function depthColor(t: number): string {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + f * (stops[i + 1][k] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Merges per-series (x, y) points onto one sorted x axis, null where a series has no point. */
export function align(series: { x: number[]; y: number[] }[]): { x: number[]; ys: (number | null)[][] } {
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((v, i) => [v, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    s.x.forEach((v, i) => (y[index.get(v)!] = s.y[i]));
    return y;
  });
  return { x: xs, ys };
}

/** A chart panel: caption, then the how-to-read line (shown while help is on). */
function figure(parent: HTMLElement, title: string, how?: string): HTMLElement {
  const root = document.createElement('figure');
  root.className = 'chart';
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  root.append(caption);
  if (how) {
    const p = document.createElement('p');
    p.className = 'how';
    p.textContent = how;
    root.append(p);
  }
  parent.append(root);
  return root;
}

/**
 * A canvas panel whose canvas fills the panel's width (height by `aspect`), with its backing store
 * at device pixels; `onResize` is told to draw again when the size changed.
 */
export function canvasFigure(parent: HTMLElement, title: string, aspect: number, how?: string, onResize?: () => void): { root: HTMLElement; canvas: HTMLCanvasElement; note: HTMLElement } {
  const root = figure(parent, title, how);
  const canvas = document.createElement('canvas');
  canvas.width = 420;
  canvas.height = Math.round(420 * aspect);
  const note = document.createElement('div');
  note.className = 'note';
  root.append(canvas, note);
  new ResizeObserver(() => {
    const w = Math.round(canvas.clientWidth * devicePixelRatio);
    if (w > 0 && w !== canvas.width) {
      canvas.width = w;
      canvas.height = Math.round(w * aspect);
      onResize?.();
    }
  }).observe(canvas);
  return { root, canvas, note };
}

/** Heatmap of values[row][col] (log10 already applied) with a fixed colour range. */
export function drawHeatmap(canvas: HTMLCanvasElement, values: number[][], lo: number, hi: number): void {
  const g = canvas.getContext('2d')!;
  g.clearRect(0, 0, canvas.width, canvas.height);
  const rows = values.length;
  const cols = Math.max(1, ...values.map((r) => r.length));
  const w = canvas.width / cols;
  const h = canvas.height / Math.max(1, rows);
  values.forEach((row, r) => row.forEach((v, c) => {
    g.fillStyle = Number.isFinite(v) ? depthColor((v - lo) / (hi - lo)) : '#e00';
    g.fillRect(c * w, r * h, Math.ceil(w), Math.ceil(h));
  }));
}
