// The lab page: lil-gui controls per run, compare mode, presets, play/pause/step/reset, URL
// state, experiment files, CSV/PNG export, and recovery from a lost device. Text from settings,
// URLs or files only ever goes into textContent, never into markup.
import GUI from 'lil-gui';
import 'uplot/dist/uPlot.min.css';
import type { GpuContext } from '../../gpu/context';
import { ACTIVATIONS } from '../../kernels/activation_ids';
import { INITIALISERS } from '../../engine/spec';
import { Charts } from './charts';
import { DiagnosisPanel } from './diagnosis';
import { PRESETS, presetSettings } from './presets';
import { ProfilePanel } from './profile';
import { Lab } from './runs';
import { CELLS, fileToSettings, LAB_DATASETS, LAB_OPTIMIZERS, LIMITS, NORMS, queryToSettings, RECURRENT_INITS_LAB, relevant, settingsToFile, settingsToQuery, type Settings } from './settings';

/** Largest experiment file the lab opens (a real one is a few kB). */
const MAX_EXPERIMENT_BYTES = 1 << 20;

export interface LabPage {
  lab: Lab;
  charts: Charts;
  /** For tests: how many chart redraws happened and the settings in use. */
  stats: { frames: number; rebuilds: number };
  settings: Settings[];
}

export async function startLab(ctx: GpuContext, root: HTMLElement, reopen: () => Promise<GpuContext>): Promise<LabPage> {
  const message = el('div', 'message');
  const bar = el('div', 'toolbar');
  const presetBar = el('div', 'presets');
  const expect = el('p', 'expect');
  const controls = el('div', 'controls');
  const chartsRoot = el('div', 'charts');
  root.append(message, bar, presetBar, expect, controls);

  const lab = new Lab(ctx, (m) => show(m, 'error'));
  const profile = new ProfilePanel(root, lab);
  const diagnosis = new DiagnosisPanel(lab, (s) => {
    if (page.settings.length < 4) void apply([...page.settings, s]);
  }, (name) => [...presetBar.querySelectorAll('button')].find((b) => b.textContent === name)?.click());
  root.append(diagnosis.element, chartsRoot);
  const charts = new Charts(chartsRoot, lab);
  const page: LabPage = { lab, charts, stats: { frames: 0, rebuilds: 0 }, settings: [] };
  let guis: GUI[] = [];

  function show(text: string, kind: 'error' | 'info' = 'info'): void {
    message.textContent = text;
    message.dataset.kind = kind;
    message.hidden = !text;
  }

  const fromUrl = queryToSettings(location.search);
  if (fromUrl.rejected.length) show(`Ignored invalid URL settings: ${fromUrl.rejected.join(', ')} (defaults used instead).`, 'error');

  /** Rebuilds the runs from `settings`; false (and the error shown) when the model can't be built. */
  async function apply(settings: Settings[], keepMessage = false): Promise<boolean> {
    page.settings = settings.map((s) => ({ ...s }));
    history.replaceState(null, '', `?${settingsToQuery(page.settings)}`);
    let built = true;
    try {
      await lab.setRuns(page.settings);
      profile.reattach();
      page.stats.rebuilds++;
      charts.reset();
      if (!keepMessage) show('');
    } catch (e) {
      built = false;
      lab.pause();
      show(`Could not build the model: ${(e as Error).message}`, 'error');
    }
    buildControls();
    return built;
  }

  function buildControls(): void {
    for (const g of guis) g.destroy();
    guis = page.settings.map((s, i) => {
      const run = lab.runs[i];
      const gui = new GUI({ container: controls, title: `${run?.name ?? `run ${i + 1}`}`, width: 250 });
      gui.domElement.style.setProperty('--title-background-color', run?.color ?? '#444');
      // `s` is what this panel edits; after a rebuild started from another change, page.settings
      // holds copies, so both callbacks carry this panel's values over explicitly (a second change
      // made while the first rebuild runs is not lost).
      const rebuild = () => void apply(page.settings.map((x, k) => (k === i ? s : x)));
      const retune = () => {
        Object.assign(page.settings[i], { lrLog10: s.lrLog10, clip: s.clip });
        history.replaceState(null, '', `?${settingsToQuery(page.settings)}`);
        lab.retune(i, page.settings[i]);
      };
      gui.add(s, 'dataset', [...LAB_DATASETS]).onFinishChange(rebuild);
      gui.add(s, 'depth', LIMITS.depth[0], LIMITS.depth[1], 1).name('hidden layers').onFinishChange(rebuild);
      gui.add(s, 'width', LIMITS.width[0], LIMITS.width[1], 1).onFinishChange(rebuild);
      gui.add(s, 'activation', Object.keys(ACTIVATIONS)).onFinishChange(rebuild);
      gui.add(s, 'init', [...INITIALISERS]).name('initialiser').onFinishChange(rebuild);
      gui.add(s, 'initStd', LIMITS.initStd[0], LIMITS.initStd[1]).name('normal init std').onFinishChange(rebuild);
      gui.add(s, 'norm', [...NORMS]).name('normalisation').onFinishChange(rebuild);
      gui.add(s, 'residual').name('residual').onFinishChange(rebuild);
      gui.add(s, 'optimizer', [...LAB_OPTIMIZERS]).onFinishChange(rebuild);
      gui.add(s, 'lrLog10', LIMITS.lrLog10[0], LIMITS.lrLog10[1], 0.1).name('log10 learning rate').onChange(retune);
      gui.add(s, 'batch', LIMITS.batch[0], LIMITS.batch[1], 1).name('batch size').onFinishChange(rebuild);
      gui.add(s, 'clip', LIMITS.clip[0], LIMITS.clip[1], 0.1).name('clip norm (0 = off)').onChange(retune);
      gui.add(s, 'seed', LIMITS.seed[0], LIMITS.seed[1], 1).onFinishChange(rebuild);
      gui.add(s, 'cell', [...CELLS]).name('recurrent cell').onFinishChange(rebuild);
      gui.add(s, 'recurrentInit', [...RECURRENT_INITS_LAB]).name('recurrent init').onFinishChange(rebuild);
      gui.add(s, 'spectralRadius', LIMITS.spectralRadius[0], LIMITS.spectralRadius[1], 0.05).name('spectral radius (0 = init)').onFinishChange(rebuild);
      gui.add(s, 'seqLen', LIMITS.seqLen[0], LIMITS.seqLen[1], 1).name('sequence length T').onFinishChange(rebuild);
      // Only the controls that mean something for this data set are shown (no dead controls).
      for (const c of gui.controllers) {
        const key = c.property as keyof Settings;
        if (key in s) c.show(relevant(s, key));
      }
      if (page.settings.length > 1) gui.add({ remove: () => void apply(page.settings.filter((_, k) => k !== i)) }, 'remove').name('remove this run');
      return gui;
    });
  }

  // Toolbar.
  const button = (label: string, id: string, onClick: () => void) => {
    const b = document.createElement('button');
    b.textContent = label;
    b.id = id;
    b.addEventListener('click', onClick);
    bar.append(b);
    return b;
  };
  const playButton = button('▶ Play', 'play', () => {
    if (lab.playing) lab.pause();
    else lab.play();
    playButton.textContent = lab.playing ? '⏸ Pause' : '▶ Play';
  });
  button('Step', 'step', () => void lab.stepOnce().then(() => (playButton.textContent = '▶ Play')));
  button('Reset', 'reset', () => void apply(page.settings));
  button('+ Compare run', 'add-run', () => {
    if (page.settings.length >= 4) return show('Compare mode shows at most four runs.', 'error');
    void apply([...page.settings, { ...page.settings[page.settings.length - 1] }]);
  });
  const profileButton = button('Profile kernels', 'profile', () => {
    profileButton.textContent = profile.toggle() ? 'Stop profiling' : 'Profile kernels';
  });
  button('Export CSV', 'export-csv', () => download('gradscope-metrics.csv', new Blob([metricsCsv(lab)], { type: 'text/csv' })));
  button('Export PNG', 'export-png', () => {
    for (const { name, canvas } of charts.canvases()) canvas.toBlob((b) => b && download(`gradscope-${name}.png`, b));
  });
  // Experiment files: every run's settings, checked on the way in like the URL's.
  button('Save experiment', 'save-experiment', () => download('gradscope-experiment.json', new Blob([settingsToFile(page.settings)], { type: 'application/json' })));
  const fileInput = document.createElement('input');
  fileInput.type = 'file';
  fileInput.accept = '.json,application/json';
  fileInput.id = 'open-experiment-file';
  fileInput.hidden = true;
  bar.append(fileInput);
  button('Open experiment…', 'open-experiment', () => fileInput.click());
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileInput.value = ''; // the same file can be opened again
    if (!file) return;
    if (file.size > MAX_EXPERIMENT_BYTES) return show(`Could not open ${file.name}: ${file.size} bytes, over the ${MAX_EXPERIMENT_BYTES} an experiment file may have.`, 'error');
    let opened: { runs: Settings[]; rejected: string[] };
    try {
      opened = fileToSettings(await file.text());
    } catch (e) {
      return show(`Could not open ${file.name}: ${(e as Error).message}. Nothing was changed.`, 'error');
    }
    lab.pause();
    playButton.textContent = '▶ Play';
    if (!(await apply(opened.runs, true))) return;
    if (opened.rejected.length) show(`Opened ${file.name}; ignored invalid settings: ${opened.rejected.join(', ')} (defaults used instead).`, 'error');
    else show(`Opened ${file.name}: ${opened.runs.length} run${opened.runs.length > 1 ? 's' : ''}.`);
  });
  const status = el('span', 'status-line');
  bar.append(status);

  // Presets.
  const label = el('span', 'label');
  label.textContent = 'Experiments:';
  presetBar.append(label);
  for (const p of PRESETS) {
    const b = document.createElement('button');
    b.textContent = p.name;
    b.title = `${p.paper}. ${p.expect}`;
    b.addEventListener('click', () => {
      expect.textContent = `${p.name} (${p.paper}). Expected: ${p.expect}`;
      void apply(presetSettings(p)).then(() => {
        lab.play();
        playButton.textContent = '⏸ Pause';
      });
    });
    presetBar.append(b);
  }

  // Lost device: say so at once, offer to resume from the last in-memory checkpoint.
  const watchLoss = (c: GpuContext) => void c.gpu.lost.then((info) => {
    if (lab.ctx !== c) return;
    lab.deviceLost = true;
    lab.pause();
    playButton.textContent = '▶ Play';
    show(`The GPU device was lost (${info.reason || 'unknown'}: ${info.message || 'no details'}). Training stopped.`, 'error');
    const resume = document.createElement('button');
    resume.id = 'resume';
    resume.textContent = 'Resume from the last checkpoint';
    resume.addEventListener('click', async () => {
      try {
        const fresh = await reopen();
        watchLoss(fresh);
        const steps = await lab.resume(fresh);
        show(`Resumed on a new device from the last in-memory checkpoint (step ${steps.join(', ')}).`);
      } catch (e) {
        show(`Could not resume: ${(e as Error).message}`, 'error');
      }
    });
    message.append(' ', resume);
  });
  watchLoss(ctx);

  // Redraw at most once per frame, only when the runs have new data.
  const frame = () => {
    if (charts.draw()) page.stats.frames++;
    profile.draw();
    diagnosis.draw();
    // Every run's step; a run the non-finite guard stopped says where (the others train on).
    status.textContent = lab.runs.map((r) => {
      const stop = r.trainer.stopped;
      return `${r.name}: step ${r.trainer.step}${stop ? ` (stopped: non-finite values at step ${stop.step} in ${stop.where})` : ''}`;
    }).join(' · ');
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  await apply(fromUrl.runs, fromUrl.rejected.length > 0);
  return page;
}

function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}

function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** One row per run and logged step: loss, accuracy and every tensor's gradient norm. */
export function metricsCsv(lab: Lab): string {
  const names = [...new Set(lab.runs.flatMap((r) => r.trainer.model.params.map((p) => p.name)))];
  const lines = [['run', 'step', 'loss', 'accuracy', 'global_grad_norm', ...names.map((n) => `grad_norm:${n}`)].join(',')];
  for (const r of lab.runs) {
    for (const rec of r.records) {
      const norms = new Map(rec.params.map((p) => [p.name, p.gradNorm]));
      lines.push([r.name, rec.step, rec.loss, rec.accuracy ?? '', rec.globalGradNorm, ...names.map((n) => norms.get(n) ?? '')].join(','));
    }
  }
  return lines.join('\n') + '\n';
}
