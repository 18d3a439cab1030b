// The GAN mode's runs: one GanTrainer per run, stepped in turn while playing, each keeping its
// recent records and, now and then, a view of the game (D's decision map over the plane, real and
// generated samples). As in runs.ts, everything touching a trainer runs one piece at a time.
import type { GpuContext } from '../../gpu/context';
import { GanTrainer } from '../../engine/gan/trainer';
import { coverage, makeGanDataset, modeCentres, type Coverage } from '../../engine/gan/data';
import type { GanStepRecord } from '../../engine/gan/record';
import type { GanSpec } from '../../engine/gan/spec';
import type { Dataset } from '../../engine/data';
import { trainSteps } from '../../engine/loop';
import { ganSettingsToSpec, type GanSettings } from './gan_settings';
import { RUN_COLORS } from './runs';

/** Decision-map resolution and the half-width of the square shown ([−EXTENT, EXTENT]²). */
export const MAP_GRID = 40;
export const EXTENT = 3;
const SAMPLES = 512;
const KEEP_RECORDS = 400;
const VIEW_EVERY = 20;

export interface GanView {
  step: number;
  /** D's output on the MAP_GRID² grid, row-major from the top-left: σ(logit), or the raw output for least squares. */
  map: Float32Array;
  /** G(z) in eval mode for a fixed set of noise rows [SAMPLES, 2]. */
  samples: Float32Array;
  /** Modes hit and high-quality fraction of `samples` (ring and grid only). */
  coverage: Coverage | null;
}

export interface GanRun {
  name: string;
  color: string;
  settings: GanSettings;
  spec: GanSpec;
  data: Dataset;
  trainer: GanTrainer;
  records: GanStepRecord[];
  view: GanView | null;
}

const gridPoints = (() => {
  const p = new Float32Array(MAP_GRID * MAP_GRID * 2);
  for (let r = 0; r < MAP_GRID; r++) {
    for (let c = 0; c < MAP_GRID; c++) {
      const k = r * MAP_GRID + c;
      p[2 * k] = -EXTENT + ((c + 0.5) * 2 * EXTENT) / MAP_GRID;
      p[2 * k + 1] = EXTENT - ((r + 0.5) * 2 * EXTENT) / MAP_GRID;
    }
  }
  return p;
})();

export class GanLab {
  runs: GanRun[] = [];
  playing = false;
  version = 0;
  private looping = false;
  private tail: Promise<void> = Promise.resolve();

  constructor(public ctx: GpuContext, private onError: (message: string) => void) {}

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }

  /** Replaces all runs; the old trainers are disposed first. Throws SpecErrors for bad settings. */
  async setRuns(settings: GanSettings[]): Promise<void> {
    const wasPlaying = this.playing;
    this.pause();
    await this.exclusive(async () => {
      for (const r of this.runs) r.trainer.dispose();
      this.runs = [];
      for (const [i, s] of settings.entries()) {
        const spec = ganSettingsToSpec(s);
        const data = makeGanDataset(spec.data, spec.seed);
        const trainer = await GanTrainer.create(this.ctx, spec, data);
        const run: GanRun = { name: `run ${String.fromCharCode(65 + i)} (${s.generatorLoss})`, color: RUN_COLORS[i], settings: s, spec, data, trainer, records: [], view: null };
        trainer.onStep((rec) => {
          run.records.push(rec);
          if (run.records.length > KEEP_RECORDS) run.records.splice(0, run.records.length - KEEP_RECORDS);
          this.version++;
        });
        this.runs.push(run);
        await this.look(run);
      }
      this.version++;
    });
    if (wasPlaying) this.play();
  }

  /** Learning rates apply on the next step, without a rebuild. */
  retune(i: number, s: GanSettings): void {
    const run = this.runs[i];
    if (!run) return;
    run.settings = s;
    run.trainer.setLearningRate('generator', 10 ** s.gLrLog10);
    run.trainer.setLearningRate('discriminator', 10 ** s.dLrLog10);
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
    await this.exclusive(() => this.advance(1)).catch((e) => this.onError((e as Error).message));
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
      this.onError((e as Error).message);
    } finally {
      this.looping = false;
    }
  }

  private async advance(n: number): Promise<void> {
    for (const run of this.runs) {
      if (run.trainer.stopped) continue;
      const before = run.trainer.step;
      await trainSteps(run.trainer, n, { inFlight: 4 });
      if (Math.floor(run.trainer.step / VIEW_EVERY) !== Math.floor(before / VIEW_EVERY)) await this.look(run);
    }
    this.version++;
  }

  /** D's map and G's samples now (eval mode). */
  private async look(run: GanRun): Promise<void> {
    const [map, { x }] = await Promise.all([run.trainer.predict('discriminator', gridPoints), run.trainer.sample(SAMPLES)]);
    if (run.spec.gan.generator_loss !== 'least_squares') for (let i = 0; i < map.length; i++) map[i] = 1 / (1 + Math.exp(-map[i]));
    run.view = { step: run.trainer.step, map, samples: x, coverage: modeCentres(run.spec.data.name).length ? coverage(x, run.spec.data) : null };
    this.version++;
  }

  dispose(): void {
    this.pause();
    for (const r of this.runs) r.trainer.dispose();
    this.runs = [];
  }
}
