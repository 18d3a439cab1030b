// The lab's runs: one Trainer per run on the one device, trained in turn while playing. The loop
// never waits on the GPU inside a step (the trainer paces itself); charts read the runs' records.
import type { GpuContext } from '../../gpu/context';
import type { Dataset } from '../../engine/data';
import { loadDataset } from '../../engine/dataset';
import { makeOwnDataset, type OwnData } from '../../engine/own_data';
import { DRAW_EXTENT } from './own_panel';
import type { StepRecord } from '../../engine/diagnostics';
import { saveCheckpoint, loadCheckpoint } from '../../engine/checkpoint';
import { trainSteps } from '../../engine/loop';
import type { Spec } from '../../engine/spec';
import { Trainer } from '../../engine/trainer';
import { settingsToSpec, type Settings } from './settings';

export const RUN_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
/** Colours of runs opened from metrics.jsonl files (read-only), at most as many. */
export const OPENED_COLORS = ['#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
/** Records of an opened run the charts show: longer files are thinned evenly (first and last kept). */
const SHOW_RECORDS = 1000;
const GRID = 48; // decision-boundary resolution
const KEEP_RECORDS = 400;

export interface Run {
  name: string;
  color: string;
  settings: Settings;
  spec: Spec;
  data: Dataset;
  trainer: Trainer;
  records: StepRecord[];
  evals: { step: number; trainLoss: number; testLoss: number; testAccuracy: number | null }[];
  boundary: { step: number; probs: Float32Array; classes: number; grid: number; extent: number } | null;
  /** The last in-memory checkpoint (every 50 steps), for recovery from a lost device. */
  checkpoint: { step: number; bytes: Uint8Array; state: Uint8Array } | null;
}

/** What the charts read of a run: a live one, or one opened from a file. */
export interface ChartRun {
  name: string;
  color: string;
  records: StepRecord[];
  evals: Run['evals'];
  /**
   * Where the weight tensors sit in a record's params (weight_v for a weight-normalised layer: one
   * per layer), input to output: the per-layer series of every chart.
   */
  weights: number[];
  paramNames: string[];
  stopped: boolean;
  /** What the run is, for legends: its recurrent cell, or the file it came from. */
  kind: string;
}

/**
 * A finished run read from a metrics.jsonl (gradscope train, an exported train.py, any PyTorch
 * loop with gradscope_torch.py): shown beside the live runs, never trained. Its weight tensors
 * are the ones the file has histograms for (those are the weights, in both writers).
 */
export function openedRun(file: string, records: StepRecord[], color: string): ChartRun {
  const every = Math.ceil(records.length / SHOW_RECORDS);
  const shown = records.filter((_, i) => i % every === 0 || i === records.length - 1);
  const paramNames = records[0].params.map((p) => p.name);
  const histogrammed = new Set(records[0].histograms.map((h) => h.name));
  const weights = paramNames.flatMap((n, i) => (histogrammed.size ? histogrammed.has(n) : !n.endsWith('bias')) ? [i] : []);
  const name = file.length > 40 ? `${file.slice(0, 39)}…` : file;
  return { name, color, records: shown, evals: [], weights, paramNames, stopped: records.some((r) => r.nonFinite !== null), kind: 'from file' };
}

export class Lab {
  runs: Run[] = [];
  /** Runs opened from files (read-only), shown after the live ones. */
  opened: ChartRun[] = [];
  playing = false;
  /** Bumped whenever something chart-worthy changed; the page redraws when it moves. */
  version = 0;
  stepsRun = 0;
  /** Set when the device is lost: work in flight then fails, and that is not news. */
  deviceLost = false;
  /** The own data set (drawn or loaded) that runs with dataset "own" train on; set before setRuns. */
  own: OwnData | null = null;
  private datasets = new Map<string, Promise<Dataset>>();
  private looping = false;
  private tail: Promise<void> = Promise.resolve();

  constructor(public ctx: GpuContext, private onError: (message: string) => void) {}

  private report(e: unknown): void {
    if (!this.deviceLost) this.onError((e as Error).message);
  }

  private dataset(spec: Spec): Promise<Dataset> {
    if (spec.data.name === 'own') return Promise.resolve(makeOwnDataset(this.own!, spec.seed)); // settingsToSpec refused "own" without data
    const key = JSON.stringify([spec.data, spec.seed]);
    let d = this.datasets.get(key);
    if (!d) this.datasets.set(key, (d = loadDataset(spec.data, spec.seed)));
    return d;
  }

  /**
   * Everything that touches the trainers runs one piece at a time, in call order, so a rebuild
   * never disposes a trainer that a step, an evaluation or another rebuild is still using (and two
   * quick slider changes cannot both build a set of runs and leak one).
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }

  /** Live and opened runs as the charts read them. */
  chartRuns(): ChartRun[] {
    const live = this.runs.map((r): ChartRun => ({
      name: r.name, color: r.color, records: r.records, evals: r.evals,
      weights: r.trainer.model.params.flatMap((p, i) => (p.role === 'weight' ? [i] : [])),
      paramNames: r.trainer.model.params.map((p) => p.name), stopped: r.trainer.stopped !== null, kind: r.settings.cell,
    }));
    return [...live, ...this.opened];
  }

  /** Shows a parsed run file beside the live runs (at most OPENED_COLORS.length of them). */
  open(file: string, records: StepRecord[]): ChartRun {
    if (this.opened.length >= OPENED_COLORS.length) throw new Error(`at most ${OPENED_COLORS.length} runs can be open from files; close them first`);
    const used = new Set(this.opened.map((r) => r.color));
    const run = openedRun(file, records, OPENED_COLORS.find((c) => !used.has(c))!);
    this.opened.push(run);
    this.version++;
    return run;
  }

  closeOpened(): void {
    this.opened = [];
    this.version++;
  }

  /** Replaces all runs (structural change, preset, URL): old trainers are disposed first. */
  async setRuns(settings: Settings[]): Promise<void> {
    const wasPlaying = this.playing;
    this.pause();
    await this.exclusive(() => this.build(settings));
    if (wasPlaying) this.play();
  }

  private async build(settings: Settings[]): Promise<void> {
    for (const r of this.runs) r.trainer.dispose();
    this.runs = [];
    this.version++;
    for (const [i, s] of settings.entries()) {
      const spec = settingsToSpec(s, this.own);
      const data = await this.dataset(spec);
      const trainer = await Trainer.create(this.ctx, spec, data);
      const run: Run = { name: `run ${String.fromCharCode(65 + i)}`, color: RUN_COLORS[i], settings: s, spec, data, trainer, records: [], evals: [], boundary: null, checkpoint: null };
      trainer.onStep((rec) => {
        run.records.push(rec);
        if (run.records.length > KEEP_RECORDS) run.records.splice(0, run.records.length - KEEP_RECORDS);
        this.version++;
      });
      this.runs.push(run);
    }
    this.version++;
  }

  /** Learning rate and clipping apply on the next step, without a rebuild. */
  retune(i: number, s: Settings): void {
    const run = this.runs[i];
    if (!run) return; // being rebuilt: the new trainer reads `s` when it is built
    run.settings = s;
    run.trainer.setLearningRate(10 ** s.lrLog10);
    run.trainer.setClipNorm(s.clip > 0 ? s.clip : null);
  }

  play(): void {
    this.playing = true;
    if (!this.looping) void this.loop();
  }

  pause(): void {
    this.playing = false;
  }

  async stepOnce(): Promise<void> {
    this.pause();
    try {
      await this.exclusive(() => this.advance(1));
    } catch (e) {
      this.report(e);
    }
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      while (this.playing) {
        await this.exclusive(() => this.advance(5));
        await new Promise((r) => setTimeout(r, 0)); // let the page paint between rounds
      }
    } catch (e) {
      this.playing = false;
      this.report(e);
    } finally {
      this.looping = false;
    }
  }

  /** `n` steps of every run in turn, with evaluation and the decision boundary now and then. */
  private async advance(n: number): Promise<void> {
    for (const run of this.runs) {
      if (run.trainer.stopped) continue;
      const before = run.trainer.step;
      await trainSteps(run.trainer, n, { inFlight: 4 });
      this.stepsRun += run.trainer.step - before;
      const step = run.trainer.step;
      if (Math.floor(step / 50) !== Math.floor(before / 50) || before === 0) await this.evaluate(run);
      if (Math.floor(step / 50) !== Math.floor(before / 50) || before === 0) run.checkpoint = { step, bytes: await saveCheckpoint(run.trainer), state: await run.trainer.saveTrainingState() };
    }
    this.version++;
  }

  private async evaluate(run: Run): Promise<void> {
    const [test, train] = [await run.trainer.evaluate('test'), await run.trainer.evaluate('train')];
    run.evals.push({ step: run.trainer.step, trainLoss: train.loss, testLoss: test.loss, testAccuracy: test.accuracy });
    if (run.data.features === 2) {
      const reach = Math.max(...Array.from(run.data.train.x.subarray(0, 2000), Math.abs));
      // Own data: the drawing's frame (points where they were drawn), wider only if the data are.
      const extent = run.data.name === 'own' ? Math.max(DRAW_EXTENT, 1.1 * reach) : 1.6 * Math.max(1, reach);
      const grid = new Float32Array(GRID * GRID * 2);
      for (let j = 0; j < GRID; j++) for (let i = 0; i < GRID; i++) grid.set([((i + 0.5) / GRID * 2 - 1) * extent, (1 - (j + 0.5) / GRID * 2) * extent], 2 * (j * GRID + i));
      run.boundary = { step: run.trainer.step, probs: await run.trainer.predict(grid), classes: run.trainer.model.output, grid: GRID, extent };
    }
  }

  /**
   * After a lost device: rebuild every run on a new context from its last in-memory checkpoint.
   * Returns the step each run resumed from (0: no checkpoint yet, initial weights).
   */
  async resume(ctx: GpuContext): Promise<number[]> {
    this.pause();
    return this.exclusive(async () => {
      const saved = this.runs.map((r) => ({ settings: r.settings, checkpoint: r.checkpoint }));
      this.runs = []; // the old trainers died with their device
      this.ctx = ctx;
      this.deviceLost = false;
      await this.build(saved.map((s) => s.settings));
      return saved.map((s, i) => {
        const run = this.runs[i];
        if (!s.checkpoint) return 0;
        loadCheckpoint(run.trainer, s.checkpoint.bytes);
        run.trainer.loadTrainingState(s.checkpoint.state); // optimizer moments, data position, step
        run.checkpoint = s.checkpoint;
        return run.trainer.step;
      });
    });
  }

  dispose(): void {
    this.pause();
    for (const r of this.runs) r.trainer.dispose();
    this.runs = [];
  }
}
