// Every chart of the lab, fed from the runs' records. draw() is cheap to call and only redraws
// when the lab's version moved; the page calls it once per animation frame.
import { HISTOGRAM, type StepRecord } from '../../engine/diagnostics';
import { HOW } from './help';
import type { Layout, Slot } from './layout';
import type { ChartRun, Lab, Run } from './runs';
import { align, canvasFigure, CLASS_COLORS, depthColor, drawHeatmap, LineChart } from './plots';

const SNAPSHOTS = 3;
/** Class colours of the decision-boundary plots (those of the own-data drawing). */
const PALETTE_RGB = CLASS_COLORS.map((c) => [1, 3, 5].map((k) => parseInt(c.slice(k, k + 2), 16)));

export class Charts {
  private drawn = -1;
  private perLayer: LineChart;
  private vanishing: LineChart;
  private loss: LineChart;
  private accuracy: LineChart;
  private saturation: LineChart;
  private ratio: LineChart;
  private heat: ReturnType<typeof canvasFigure>;
  private hist: ReturnType<typeof canvasFigure>;
  private boundaries: HTMLElement;
  /** Snapshots of the focus run's per-layer norms at earlier steps (the fading curves). */
  private snapshots: { step: number; norms: number[] }[] = [];
  /** The boundary each canvas shows, so an unchanged one is not drawn again. */
  private boundaryDrawn = new WeakMap<HTMLCanvasElement, Run['boundary']>();

  /** The run whose layers the per-layer charts show (the user picks it). */
  private focus = 0;
  private focusSelect = document.createElement('select');

  /** "Per-layer charts show [run]": the page puts it beside the run controls. */
  readonly focusLabel = document.createElement('label');

  constructor(layout: Layout, private lab: Lab) {
    this.focusLabel.className = 'focus';
    this.focusLabel.append('Per-layer charts show ', this.focusSelect);
    this.focusSelect.id = 'focus-run';
    this.focusSelect.addEventListener('change', () => {
      this.focus = Number(this.focusSelect.value);
      this.reset();
    });
    // Groups of panels; their panels are the grid's cells (the groups take no room of their own).
    const group = (id: string, slot: Slot) => { const d = document.createElement('div'); d.className = 'group'; d.id = id; layout.place(d, slot); return d; };
    const redraw = () => this.invalidate();
    const time = group('charts-time', 'first');
    this.throughTime = new LineChart(time, { title: 'Gradient through time: ‖∂L/∂h_t‖ against t (recurrent runs; the loss reads the last step)', xLabel: 'time step t', integerX: true, yLabel: '‖∂L/∂h_t‖', logY: true, how: HOW.throughTime });
    this.timeGrid = time;
    time.hidden = true;
    const top = group('charts-gradients', 'first');
    this.vanishing = new LineChart(top, { title: 'Gradient norm vs layer depth (the vanishing curve)', xLabel: 'layer (input → output)', integerX: true, yLabel: '‖∂L/∂W‖', logY: true, how: HOW.vanishing });
    this.perLayer = new LineChart(top, { title: 'Per-layer gradient norm over steps (coloured by depth: input dark, output yellow)', xLabel: 'step', integerX: true, yLabel: '‖∂L/∂W‖', logY: true, how: HOW.perLayer });
    const train = group('charts-training', 'first');
    this.loss = new LineChart(train, { title: 'Loss (solid: training batch, dashed: held-out)', xLabel: 'step', integerX: true, yLabel: 'loss', logY: true, how: HOW.loss });
    this.boundaries = document.createElement('figure');
    this.boundaries.className = 'chart boundaries';
    this.boundaries.id = 'charts-boundary';
    const caption = document.createElement('figcaption');
    caption.textContent = 'Decision boundary (2-D data)';
    const how = document.createElement('p');
    how.className = 'how';
    how.textContent = HOW.boundary;
    this.boundaryGrid = document.createElement('div');
    this.boundaryGrid.className = 'boundary-grid';
    this.boundaries.append(caption, how, this.boundaryGrid);
    layout.place(this.boundaries, 'more'); // first of the rest
    const later = group('charts-later', 'more');
    this.accuracy = new LineChart(later, { title: 'Accuracy (solid: training batch, dashed: held-out)', xLabel: 'step', integerX: true, yLabel: 'accuracy', yRange: [0, 1], how: HOW.accuracy });
    const mid = group('charts-maps', 'more');
    this.heat = canvasFigure(mid, 'log10 gradient norm, layer × step', 0.52, HOW.heatmap, redraw);
    this.hist = canvasFigure(mid, `Histograms of log10|gradient| per layer (${HISTOGRAM.lo}…${HISTOGRAM.hi})`, 0.52, HOW.histograms, redraw);
    const health = group('charts-health', 'more');
    this.saturation = new LineChart(health, { title: 'Saturated (sigmoid/tanh) or dead (ReLU) units per layer', xLabel: 'activation layer', integerX: true, yLabel: 'fraction', yRange: [0, 1], how: HOW.saturation });
    this.ratio = new LineChart(health, { title: 'Update-to-weight ratio per layer', xLabel: 'layer', integerX: true, yLabel: '‖ΔW‖/‖W‖', logY: true, how: HOW.ratio });
  }

  /** The canvases changed size: draw everything again on the next frame. */
  private invalidate(): void {
    this.drawn = -1;
    this.boundaryDrawn = new WeakMap();
  }

  private boundaryGrid: HTMLElement;
  private throughTime: LineChart;
  private timeGrid: HTMLElement;

  /** ‖∂L/∂h_t‖ against t for every recurrent run: how the gradient fades (or grows) through time. */
  private drawThroughTime(runs: ChartRun[], last: (r: ChartRun) => StepRecord | undefined): void {
    const curves = runs.map((r) => ({ run: r, h: last(r)?.hiddenGradNorms?.[0] })).filter((c) => c.h && c.h.norms.length > 0);
    this.timeGrid.hidden = curves.length === 0;
    if (curves.length === 0) return;
    const T = Math.max(...curves.map((c) => c.h!.norms.length));
    const xs = Array.from({ length: T }, (_, t) => t + 1);
    this.throughTime.set(xs, curves.map((c) => ({ label: `${c.run.name} (${c.run.kind}) step ${last(c.run)!.step}`, color: c.run.color, width: 2 })), curves.map((c) => xs.map((_, t) => c.h!.norms[t] ?? null)));
  }

  /** Chart canvases for PNG export. */
  canvases(): { name: string; canvas: HTMLCanvasElement }[] {
    const named: [string, LineChart][] = [['through-time', this.throughTime], ['vanishing', this.vanishing], ['per-layer', this.perLayer], ['loss', this.loss], ['accuracy', this.accuracy], ['saturation', this.saturation], ['update-ratio', this.ratio]];
    const out = named.flatMap(([name, c]) => (c.canvas ? [{ name, canvas: c.canvas }] : []));
    out.push({ name: 'heatmap', canvas: this.heat.canvas }, { name: 'histograms', canvas: this.hist.canvas });
    this.boundaryGrid.querySelectorAll('canvas').forEach((canvas, i) => out.push({ name: `boundary-${i}`, canvas }));
    return out;
  }

  reset(): void {
    this.snapshots = [];
    this.drawn = -1;
  }

  /** Redraws if the runs have news since the last call; says whether it did. */
  draw(): boolean {
    const runs = this.lab.chartRuns();
    if (this.drawn === this.lab.version || runs.length === 0) return false;
    this.drawn = this.lab.version;
    this.syncFocus(runs);
    const a = runs[this.focus];
    // The latest record with finite values: a run the non-finite guard stopped keeps showing the
    // last state it was in before (its NaN record still reaches the heatmap, in red, and the loss).
    const allFinite = (rec: StepRecord) => Number.isFinite(rec.loss) && rec.params.every((p) => Number.isFinite(p.gradNorm));
    const last = (r: ChartRun) => r.records.findLast(allFinite);
    this.drawThroughTime(runs, last);

    // Vanishing curve: every run's latest norms by depth, plus the focus run's earlier snapshots dashed.
    const la = last(a);
    if (la) {
      const norms = a.weights.map((k) => la.params[k].gradNorm);
      const lastSnap = this.snapshots[this.snapshots.length - 1];
      if (!lastSnap || la.step >= lastSnap.step * 3 + 20) {
        this.snapshots.push({ step: la.step, norms });
        if (this.snapshots.length > SNAPSHOTS) this.snapshots.shift();
      }
    }
    const depth = Math.max(...runs.map((r) => r.weights.length));
    const xs = Array.from({ length: depth }, (_, i) => i + 1);
    const vLines = runs.map((r) => ({ label: `${r.name} step ${last(r)?.step ?? 0}${r.stopped ? ' (last finite)' : ''}`, color: r.color, width: 2.5 }));
    const vYs = runs.map((r) => {
      const rec = last(r);
      const w = r.weights;
      return xs.map((_, i) => (rec && i < w.length ? rec.params[w[i]].gradNorm : null));
    });
    // Always SNAPSHOTS - 1 dashed lines (empty until there are earlier steps): the plot keeps its
    // series and is not rebuilt when a snapshot is taken.
    for (let k = 0; k < SNAPSHOTS - 1; k++) {
      const s = this.snapshots.length - 1 > k ? this.snapshots[k] : undefined;
      vLines.push({ label: s ? `${a.name} step ${s.step}` : '', color: a.color, width: 1 });
      vYs.push(xs.map((_, i) => s?.norms[i] ?? null));
    }
    this.vanishing.set(xs, vLines.map((l, i) => ({ ...l, dash: i >= runs.length ? [4, 4] : undefined })), vYs);

    // Per-layer gradient norm over steps for the focus run.
    const w = a.weights;
    const names = w.map((k) => `${a.name} ${a.paramNames[k]}`);
    this.perLayer.set(
      a.records.map((r) => r.step),
      names.map((n, i) => ({ label: n, color: depthColor(i / Math.max(1, names.length - 1)), width: 1.2 })),
      w.map((k) => a.records.map((r) => r.params[k].gradNorm)),
    );

    // Heatmap (rows: output at the top, input at the bottom) and histograms of the focus run.
    const logs = w.map((k) => a.records.map((r) => Math.log10(r.params[k].gradNorm)));
    const finite = logs.flat().filter(Number.isFinite);
    // A fixed colour scale (widened only when the data leave it), so colours compare across runs.
    const [lo, hi] = [Math.floor(Math.min(-8, ...finite)), Math.ceil(Math.max(1, ...finite))];
    drawHeatmap(this.heat.canvas, logs.reverse(), lo, hi);
    this.heat.note.textContent = finite.length
      ? `rows: output layer at the top, input at the bottom; colour 1e${lo} (dark) … 1e${hi} (yellow), red: not finite; data 1e${Math.floor(Math.min(...finite))} … 1e${Math.ceil(Math.max(...finite))}`
      : '';
    if (la) this.drawHistograms(la.histograms);

    // Loss and accuracy for all runs.
    const series = runs.flatMap((r) => [
      { x: r.records.map((p) => p.step), y: r.records.map((p) => p.loss) },
      { x: r.evals.map((e) => e.step), y: r.evals.map((e) => e.testLoss) },
    ]);
    const lines = runs.flatMap((r) => [{ label: `${r.name} train`, color: r.color }, { label: `${r.name} held-out`, color: r.color, dash: [6, 4] }]);
    const l = align(series);
    this.loss.set(l.x, lines, l.ys);
    const accSeries = runs.flatMap((r) => [
      { x: r.records.map((p) => p.step), y: r.records.map((p) => p.accuracy ?? NaN) },
      { x: r.evals.map((e) => e.step), y: r.evals.map((e) => e.testAccuracy ?? NaN) },
    ]);
    const acc = align(accSeries);
    this.accuracy.set(acc.x, lines, acc.ys);

    // Saturation / dead units per activation layer, and update ratio per layer.
    const actLayers = Math.max(...runs.map((r) => last(r)?.layers.filter((x) => x.saturated !== null || x.dead !== null).length ?? 0));
    const ax = Array.from({ length: actLayers }, (_, i) => i + 1);
    this.saturation.set(ax, runs.map((r) => ({ label: r.name, color: r.color })), runs.map((r) => {
      const rows = last(r)?.layers.filter((x) => x.saturated !== null || x.dead !== null) ?? [];
      return ax.map((_, i) => rows[i] ? (rows[i].saturated ?? rows[i].dead) : null);
    }));
    this.ratio.set(xs, runs.map((r) => ({ label: r.name, color: r.color })), runs.map((r) => {
      const rec = last(r);
      const w = r.weights;
      return xs.map((_, i) => (rec && i < w.length ? rec.params[w[i]].updateRatio : null));
    }));

    this.drawBoundaries(this.lab.runs);
    return true;
  }

  /** Keeps the focus menu's entries in step with the runs (added, removed, rebuilt). */
  private syncFocus(runs: ChartRun[]): void {
    const names = runs.map((r) => r.name);
    if ([...this.focusSelect.options].map((o) => o.text).join() !== names.join()) {
      this.focusSelect.replaceChildren(...names.map((n, i) => new Option(n, String(i))));
    }
    if (this.focus >= runs.length) this.focus = 0;
    this.focusSelect.value = String(this.focus);
    this.perLayer.root.querySelector('figcaption')!.textContent = `Per-layer gradient norm over steps (${runs[this.focus].name}; colour by depth: input dark, output yellow)`;
    this.heat.root.querySelector('figcaption')!.textContent = `log10 gradient norm, layer × step (${runs[this.focus].name})`;
    this.hist.root.querySelector('figcaption')!.textContent = `Histograms of log10|gradient| per layer (${runs[this.focus].name}, 1e${HISTOGRAM.lo} … 1e${HISTOGRAM.hi})`;
  }

  private drawHistograms(hists: { name: string; counts: Uint32Array }[]): void {
    const c = this.hist.canvas;
    const g = c.getContext('2d')!;
    g.clearRect(0, 0, c.width, c.height);
    const rows = hists.length;
    const h = c.height / Math.max(1, rows);
    hists.forEach((hist, r) => {
      const max = Math.max(1, ...hist.counts);
      const w = c.width / hist.counts.length;
      g.fillStyle = depthColor(r / Math.max(1, rows - 1));
      hist.counts.forEach((n, b) => {
        const bar = (n / max) * (h - 1);
        g.fillRect(b * w, c.height - r * h - bar, Math.max(1, w - 0.5), bar);
      });
    });
    this.hist.note.textContent = 'bottom row: input layer; top: output layer; x: log10|g| from 1e-12 to 1e4';
  }

  private drawBoundaries(runs: Run[]): void {
    this.boundaries.hidden = !runs.some((r) => r.data.features === 2);
    const panels = this.boundaryGrid;
    while (panels.children.length > runs.length) panels.lastChild!.remove();
    runs.forEach((run, k) => {
      let fig = panels.children[k] as HTMLElement | undefined;
      if (!fig) fig = canvasFigure(panels, '', 1, undefined, () => this.invalidate()).root;
      fig.querySelector('figcaption')!.textContent = `${run.name}: decision boundary${run.boundary ? ` at step ${run.boundary.step}` : ''}${run.trainer.stopped ? ' (stopped: non-finite values)' : ''}`;
      const canvas = fig.querySelector('canvas')!;
      const b = run.boundary;
      if (b && this.boundaryDrawn.get(canvas) === b) return; // new only every evaluation
      this.boundaryDrawn.set(canvas, b);
      const g = canvas.getContext('2d')!;
      g.clearRect(0, 0, canvas.width, canvas.height);
      if (!b) {
        fig.querySelector('.note')!.textContent = run.data.features === 2 ? 'appears after the first evaluation' : 'only for 2-D data sets';
        return;
      }
      fig.querySelector('.note')!.textContent = '';
      // One pixel per grid cell in the predicted class's colour mixed 35% into white, scaled up
      // without smoothing (overlapping translucent rectangles left darker seams between cells).
      const cells = new ImageData(b.grid, b.grid);
      for (let k = 0; k < b.grid * b.grid; k++) {
        const row = b.probs.subarray(k * b.classes, (k + 1) * b.classes);
        let best = 0;
        if (b.classes === 1) best = row[0] > 0 ? 1 : 0;
        else for (let c = 1; c < b.classes; c++) if (row[c] > row[best]) best = c;
        const rgb = PALETTE_RGB[best % PALETTE_RGB.length];
        for (let c = 0; c < 3; c++) cells.data[4 * k + c] = Math.round(255 - 0.35 * (255 - rgb[c]));
        cells.data[4 * k + 3] = 255;
      }
      const small = document.createElement('canvas');
      small.width = small.height = b.grid;
      small.getContext('2d')!.putImageData(cells, 0, 0);
      g.imageSmoothingEnabled = false;
      g.drawImage(small, 0, 0, canvas.width, canvas.height);
      const palette = PALETTE_RGB.map(([r, gr, bl]) => `rgb(${r},${gr},${bl})`);
      const radius = Math.max(2, canvas.width / 100);
      for (const split of run.data.name === 'own' ? [run.data.train, run.data.test] : [run.data.test]) {
        const x = split.x;
        for (let s = 0; s < split.n; s++) {
          const px = ((x[2 * s] / b.extent + 1) / 2) * canvas.width;
          const py = ((1 - x[2 * s + 1] / b.extent) / 2) * canvas.height;
          g.fillStyle = palette[split.labels[s] % palette.length];
          g.beginPath();
          g.arc(px, py, radius, 0, 2 * Math.PI);
          g.fill();
        }
      }
    });
  }
}
