// The lab's GAN mode (?mode=gan): per run, real and generated samples over the discriminator's
// decision map (as GAN Lab shows), and beside them what GAN Lab cannot show: both networks'
// per-layer gradient norms over steps and against depth, both losses, D(x) and D(G(z)) over
// steps and ‖∂L_G/∂G(z)‖. Controls per run; compare runs side by side; presets whose sentences
// tests/lab/gan_presets.test.ts checks on the engine. Text only ever goes into textContent.
import GUI from 'lil-gui';
import 'uplot/dist/uPlot.min.css';
import type { GpuContext } from '../../gpu/context';
import { ACTIVATIONS } from '../../kernels/activation_ids';
import { GAN_DATASETS, GENERATOR_LOSSES } from '../../engine/gan/spec';
import type { GanStepRecord } from '../../engine/gan/record';
import { GAN_PRESETS, ganPresetSettings } from './gan_presets';
import { EXTENT, GanLab, MAP_GRID, type GanRun } from './gan_runs';
import { GAN_LIMITS, ganQueryToSettings, ganSettingsToQuery, type GanSettings } from './gan_settings';
import { iconLabel, Layout, type Slot } from './layout';
import { align, canvasFigure, depthColor, LineChart, type Line } from './plots';

export interface GanPage { lab: GanLab; stats: { frames: number; rebuilds: number }; settings: GanSettings[] }

const el = (tag: string, className: string) => { const e = document.createElement(tag); e.className = className; return e; };
const NETS = [['generator', 'G'], ['discriminator', 'D']] as const;

export async function startGanLab(ctx: GpuContext, root: HTMLElement): Promise<GanPage> {
  // The classifier lab's dashboard (layout.ts): controls in the side column, the sample maps and
  // charts in its grid, maps and per-layer norms on the first screen.
  const layout = new Layout(root);
  const { message, toolbar: bar, presets: presetBar, expect } = layout;
  const controls = el('div', 'controls');
  layout.side.append(controls);
  const views = el('div', 'group');
  views.id = 'gan-views';
  layout.place(views, 'first');
  const lab = new GanLab(ctx, (m) => show(m, 'error'));
  const page: GanPage = { lab, stats: { frames: 0, rebuilds: 0 }, settings: [] };
  let guis: GUI[] = [];

  function show(text: string, kind: 'error' | 'info' = 'info'): void {
    message.textContent = text;
    message.dataset.kind = kind;
    message.hidden = !text;
  }

  async function apply(settings: GanSettings[], keepMessage = false): Promise<void> {
    page.settings = settings.map((s) => ({ ...s }));
    history.replaceState(null, '', `?${ganSettingsToQuery(page.settings)}`);
    try {
      await lab.setRuns(page.settings);
      page.stats.rebuilds++;
      if (!keepMessage) show('');
    } catch (e) {
      lab.pause();
      show(`Could not build the GAN: ${(e as Error).message}`, 'error');
    }
    buildControls();
    buildViews();
    drawn = -1;
  }

  function buildControls(): void {
    for (const g of guis) g.destroy();
    guis = page.settings.map((s, i) => {
      const run = lab.runs[i];
      const gui = new GUI({ container: controls, title: run?.name ?? `run ${i + 1}` });
      gui.domElement.style.setProperty('--title-background-color', run?.color ?? '#444');
      const rebuild = () => void apply(page.settings.map((x, k) => (k === i ? s : x)));
      const retune = () => {
        Object.assign(page.settings[i], { gLrLog10: s.gLrLog10, dLrLog10: s.dLrLog10 });
        history.replaceState(null, '', `?${ganSettingsToQuery(page.settings)}`);
        lab.retune(i, page.settings[i]);
      };
      const acts = Object.keys(ACTIVATIONS);
      const L = GAN_LIMITS;
      gui.add(s, 'generatorLoss', [...GENERATOR_LOSSES]).name('generator loss').onFinishChange(rebuild);
      gui.add(s, 'dSteps', L.dSteps[0], L.dSteps[1], 1).name('D steps per G step').onFinishChange(rebuild);
      gui.add(s, 'data', [...GAN_DATASETS]).name('target').onFinishChange(rebuild);
      gui.add(s, 'dataNoise', L.dataNoise[0], L.dataNoise[1], 0.01).name('target std').onFinishChange(rebuild);
      gui.add(s, 'noise', ['gaussian', 'uniform']).name('noise z').onFinishChange(rebuild);
      gui.add(s, 'latent', L.latent[0], L.latent[1], 1).name('latent width').onFinishChange(rebuild);
      const g = gui.addFolder('generator');
      g.add(s, 'gDepth', L.gDepth[0], L.gDepth[1], 1).name('hidden layers').onFinishChange(rebuild);
      g.add(s, 'gWidth', L.gWidth[0], L.gWidth[1], 1).name('width').onFinishChange(rebuild);
      g.add(s, 'gActivation', acts).name('activation').onFinishChange(rebuild);
      g.add(s, 'gOptimizer', ['adam', 'sgd']).name('optimizer').onFinishChange(rebuild);
      g.add(s, 'gLrLog10', L.gLrLog10[0], L.gLrLog10[1], 0.1).name('log10 learning rate').onChange(retune);
      g.add(s, 'gOutputInitStd', L.gOutputInitStd[0], L.gOutputInitStd[1], 0.01).name('output init std (0 = Glorot)').onFinishChange(rebuild);
      g.add(s, 'freezeGeneratorAfter', L.freezeGeneratorAfter[0], L.freezeGeneratorAfter[1], 10).name('freeze after step (0 = never)').onFinishChange(rebuild);
      const d = gui.addFolder('discriminator');
      d.add(s, 'dDepth', L.dDepth[0], L.dDepth[1], 1).name('hidden layers').onFinishChange(rebuild);
      d.add(s, 'dWidth', L.dWidth[0], L.dWidth[1], 1).name('width').onFinishChange(rebuild);
      d.add(s, 'dActivation', acts).name('activation').onFinishChange(rebuild);
      d.add(s, 'dLrLog10', L.dLrLog10[0], L.dLrLog10[1], 0.1).name('log10 learning rate (Adam)').onChange(retune);
      gui.add(s, 'batch', L.batch[0], L.batch[1], 1).name('batch size').onFinishChange(rebuild);
      gui.add(s, 'seed', L.seed[0], L.seed[1], 1).onFinishChange(rebuild);
      if (page.settings.length > 1) gui.add({ remove: () => void apply(page.settings.filter((_, k) => k !== i)) }, 'remove').name('remove this run');
      return gui;
    });
  }

  // One map per run: D's output as colour (green: "real", purple: "fake"), data grey, samples in the run's colour.
  let maps: { run: GanRun; fig: ReturnType<typeof canvasFigure>; drawnStep: number }[] = [];
  function buildViews(): void {
    views.replaceChildren();
    maps = lab.runs.map((run) => {
      const m = { run, fig: null as unknown as ReturnType<typeof canvasFigure>, drawnStep: -1 };
      m.fig = canvasFigure(views, `${run.name}: samples over D's decision map`, 1, undefined, () => (m.drawnStep = -1)); // resized: draw again
      return m;
    });
  }

  function drawMap(m: (typeof maps)[number]): void {
    const v = m.run.view;
    if (!v || v.step === m.drawnStep) return;
    m.drawnStep = v.step;
    const { canvas, note } = m.fig;
    const g = canvas.getContext('2d')!;
    const cell = canvas.width / MAP_GRID;
    for (let r = 0; r < MAP_GRID; r++) for (let c = 0; c < MAP_GRID; c++) {
      const p = Math.min(1, Math.max(0, v.map[r * MAP_GRID + c]));
      g.fillStyle = `rgb(${Math.round(200 - 80 * p)},${Math.round(170 + 60 * p)},${Math.round(230 - 90 * p)})`;
      g.fillRect(c * cell, r * cell, Math.ceil(cell), Math.ceil(cell));
    }
    const toPx = (x: number, y: number) => [((x + EXTENT) / (2 * EXTENT)) * canvas.width, ((EXTENT - y) / (2 * EXTENT)) * canvas.height];
    const dots = (xy: Float32Array, n: number, color: string) => {
      g.fillStyle = color;
      for (let i = 0; i < n; i++) { const [px, py] = toPx(xy[2 * i], xy[2 * i + 1]); g.fillRect(px - 1.5, py - 1.5, 3, 3); }
    };
    dots(m.run.data.train.x, Math.min(512, m.run.data.train.n), 'rgba(60,60,60,0.55)');
    dots(v.samples, v.samples.length / 2, m.run.color);
    const last = m.run.records.at(-1);
    const cov = v.coverage ? `; ${v.coverage.modesHit}/${v.coverage.modes} modes hit, ${(100 * v.coverage.highQuality).toFixed(0)}% of samples within 3σ of a mode` : '';
    note.textContent = `step ${v.step}: grey = data, coloured = G(z); background = D's ${m.run.spec.gan.generator_loss === 'least_squares' ? 'output' : 'P(real)'} (green high)` +
      (last ? `; D(x) ${last.dReal.toFixed(3)}, D(G(z)) ${last.dFakeForG.toExponential(2)}` : '') + cov;
  }

  // Charts shared by all runs (each run's lines dashed differently).
  const grid = (id: string, slot: Slot = 'more') => { const d = el('div', 'group'); d.id = id; layout.place(d, slot); return d; };
  const top = grid('gan-charts-gradients', 'first');
  const perLayer = {
    generator: new LineChart(top, { title: 'Generator: gradient norm per weight tensor over steps (input dark, output yellow)', xLabel: 'step', integerX: true, yLabel: '‖∂L_G/∂W‖', logY: true }),
    discriminator: new LineChart(top, { title: 'Discriminator: gradient norm per weight tensor over steps', xLabel: 'step', integerX: true, yLabel: '‖∂L_D/∂W‖', logY: true }),
  };
  const mid = grid('gan-charts-game', 'next');
  const outGrad = new LineChart(mid, { title: '‖∂L_G/∂G(z)‖: the gradient reaching the generator', xLabel: 'step', integerX: true, yLabel: '‖∂L_G/∂G(z)‖', logY: true });
  const vanishing = new LineChart(mid, { title: 'Gradient norm vs layer depth at the latest step (the vanishing curve of G and D)', xLabel: 'layer (input → output)', integerX: true, yLabel: '‖∂L/∂W‖', logY: true });
  const low = grid('gan-charts-losses');
  const losses = new LineChart(low, { title: 'Losses: D (solid) and G (dashed)', xLabel: 'step', integerX: true, yLabel: 'loss' });
  const probs = new LineChart(low, { title: 'D(x) (solid) and D(G(z)) (dashed)', xLabel: 'step', integerX: true, yLabel: 'D', logY: true });
  const dash = (i: number) => (i === 0 ? undefined : [2 + 2 * i, 3]);

  let drawn = -1;
  function draw(): void {
    requestAnimationFrame(draw);
    syncPlay();
    for (const m of maps) drawMap(m);
    if (lab.version === drawn) return;
    drawn = lab.version;
    page.stats.frames++;
    const runs = lab.runs.filter((r) => r.records.length);
    const series = (f: (r: GanStepRecord) => number) => runs.map((run) => ({ x: run.records.map((r) => r.step), y: run.records.map(f) }));
    const put = (chart: LineChart, lines: Line[], s: { x: number[]; y: number[] }[]) => { const a = align(s); chart.set(a.x, lines, a.ys); };
    for (const [net] of NETS) {
      const lines: Line[] = [];
      const s: { x: number[]; y: number[] }[] = [];
      runs.forEach((run, ri) => {
        const weights = run.trainer.models[net].params.flatMap((p, i) => (p.role === 'weight' ? [i] : []));
        weights.forEach((pi, k) => {
          lines.push({ label: `${run.name.split(' ')[1]} ${run.trainer.models[net].params[pi].name.replace(`${net}.layers.`, 'L')}`, color: depthColor(k / Math.max(1, weights.length - 1)), dash: dash(ri) });
          s.push({ x: run.records.map((r) => r.step), y: run.records.map((r) => r[net].params[pi].gradNorm) });
        });
      });
      put(perLayer[net], lines, s);
    }
    put(outGrad, runs.map((r) => ({ label: r.name, color: r.color })), series((r) => r.gOutputGradNorm));
    put(losses, runs.flatMap((r) => [{ label: `${r.name} D`, color: r.color }, { label: `${r.name} G`, color: r.color, dash: [6, 4] }]), runs.flatMap((run) => [
      { x: run.records.map((r) => r.step), y: run.records.map((r) => r.dLoss) }, { x: run.records.map((r) => r.step), y: run.records.map((r) => r.gLoss) }]));
    put(probs, runs.flatMap((r) => [{ label: `${r.name} D(x)`, color: r.color }, { label: `${r.name} D(G(z))`, color: r.color, dash: [6, 4] }]), runs.flatMap((run) => [
      { x: run.records.map((r) => r.step), y: run.records.map((r) => r.dReal) }, { x: run.records.map((r) => r.step), y: run.records.map((r) => r.dFakeForG) }]));
    const curves = runs.flatMap((run) => NETS.map(([net, short], k) => {
      const last = run.records.at(-1)![net];
      const w = last.params.filter((p) => p.name.endsWith('.weight')).map((p) => p.gradNorm);
      return { line: { label: `${run.name.split(' ')[1]} ${short}`, color: run.color, dash: k ? [6, 4] : undefined }, s: { x: w.map((_, i) => i), y: w } };
    }));
    put(vanishing, curves.map((c) => c.line), curves.map((c) => c.s));
  }

  // Toolbar and presets.
  const button = (parent: HTMLElement, label: string, id: string, onClick: () => void) => {
    const b = document.createElement('button');
    b.textContent = label;
    if (id) b.id = id;
    b.addEventListener('click', onClick);
    parent.append(b);
    return b;
  };
  const playButton = button(bar, '', 'gan-play', () => (lab.playing ? lab.pause() : lab.play()));
  let shownPlaying: boolean | null = null;
  const syncPlay = () => {
    if (shownPlaying === lab.playing) return;
    shownPlaying = lab.playing;
    iconLabel(playButton, lab.playing ? 'pause' : 'play', lab.playing ? 'Pause' : 'Play');
  };
  syncPlay();
  button(bar, 'Step', 'gan-step', () => void lab.stepOnce());
  button(bar, 'Reset', 'gan-reset', () => void apply(page.settings));
  button(bar, '+ Compare run', 'gan-add-run', () => {
    if (page.settings.length >= 4) return show('Compare mode shows at most four runs.', 'error');
    void apply([...page.settings, { ...page.settings[page.settings.length - 1] }]);
  });
  const back = document.createElement('a');
  back.href = '?';
  back.textContent = 'Classifier lab';
  bar.append(back);
  const label = el('span', 'label');
  label.textContent = 'GAN experiments:';
  presetBar.append(label);
  GAN_PRESETS.forEach((p, i) => {
    const b = button(presetBar, p.name, `gan-preset-${i}`, () => {
      expect.textContent = `${p.name} (${p.paper}). Expected: ${p.expect}`;
      void apply(ganPresetSettings(p)).then(() => lab.play());
    });
    b.title = `${p.paper}. ${p.expect}`;
  });

  const fromUrl = ganQueryToSettings(location.search);
  await apply(fromUrl.runs, fromUrl.rejected.length > 0);
  if (fromUrl.rejected.length) show(`Ignored invalid URL settings: ${fromUrl.rejected.join(', ')} (defaults used instead).`, 'error');
  requestAnimationFrame(draw);
  return page;
}
