// The lab page: the dashboard (layout.ts), run controls per run (controls.ts), own data
// (own_panel.ts), compare mode, presets, play/pause/step/reset (buttons and keys), URL state,
// experiment files, CSV/PNG export, help, and recovery from a lost device. Text from settings,
// URLs or files only ever goes into textContent, never into markup.
import 'uplot/dist/uPlot.min.css';
import type { GpuContext } from '../../gpu/context';
import type { OwnData } from '../../engine/own_data';
import { Charts } from './charts';
import { download, filePicker, metricsCsv } from './files';
import { RunControls } from './controls';
import { DiagnosisPanel } from './diagnosis';
import { el, iconLabel, Layout } from './layout';
import { OwnDataPanel, ownFromQuery, ownToQuery } from './own_panel';
import { PRESETS, presetSettings, type Preset } from './presets';
import { ProfilePanel } from './profile';
import { Lab } from './runs';
import { parseRunFile, RUNFILE_LIMITS } from '../../engine/runfile';
import { fileToSettings, queryToSettings, settingsToFile, settingsToQuery, type Settings } from './settings';

/** Largest experiment file the lab opens (settings are a few kB; own data can add a few MB). */
const MAX_EXPERIMENT_BYTES = 16 << 20;
/** The preset a first visit (a URL without settings) opens on, set up and paused. */
const FIRST_PRESET = PRESETS[0];

export interface LabPage {
  lab: Lab;
  charts: Charts;
  /** For tests: chart redraws, rebuilds, the slowest redraw (ms) and the settings in use. */
  stats: { frames: number; rebuilds: number; slowestDrawMs: number };
  settings: Settings[];
}

export async function startLab(ctx: GpuContext, root: HTMLElement, reopen: () => Promise<GpuContext>): Promise<LabPage> {
  const layout = new Layout(root);
  const { message, toolbar: bar, presets: presetBar, expect } = layout;
  const lab = new Lab(ctx, (m) => show(m, 'error'));
  const profile = new ProfilePanel(document.createElement('div'), lab);
  const charts = new Charts(layout, lab);
  const page: LabPage = { lab, charts, stats: { frames: 0, rebuilds: 0, slowestDrawMs: 0 }, settings: [] };
  // Diagnosis: right after the first screen's charts. "Try this" adds a compare run; a preset link loads it.
  const diagnosis = new DiagnosisPanel(lab, (s) => {
    if (page.settings.length < 4) void apply([...page.settings, s]);
  }, (name) => [...presetBar.querySelectorAll('button')].find((b) => b.textContent === name)?.click());
  layout.place(diagnosis.element, 'next', true);
  layout.place(profile.root, 'more', true);
  const controls = new RunControls(lab, {
    rebuild: (i, s) => {
      if (s.dataset === 'own' && !lab.own) { // nothing to train on yet: say where to get it, change nothing
        s.dataset = applied[i]?.dataset ?? 'spiral'; // `s` is the panel's own object: put back what was applied
        own.element.open = true;
        controls.build(page.settings);
        return show('Draw points or load a CSV under "Your own data" (below the controls) first.', 'error');
      }
      void apply(page.settings.map((x, k) => (k === i ? s : x)));
    },
    retune: (i, s) => {
      Object.assign(page.settings[i], { lrLog10: s.lrLog10, clip: s.clip });
      writeUrl();
      lab.retune(i, page.settings[i]);
    },
    remove: (i) => void apply(page.settings.filter((_, k) => k !== i)),
  });
  const own = new OwnDataPanel((d, source) => void useOwn(d, source), (m) => show(m, 'error'));

  function show(text: string, kind: 'error' | 'info' = 'info'): void {
    message.textContent = text;
    message.dataset.kind = kind;
    message.hidden = !text;
  }

  /** The URL holds every run's settings, and the own data when it is small enough for a link. */
  function writeUrl(): void {
    const q = settingsToQuery(page.settings);
    const data = lab.own && page.settings.some((s) => s.dataset === 'own') ? ownToQuery(lab.own) : null;
    history.replaceState(null, '', `?${q}${data ? `${q ? '&' : ''}own=${encodeURIComponent(data)}` : ''}`);
  }

  /** Rebuilds the runs from `settings`; false (and the error shown) when the model can't be built. */
  let applied: Settings[] = [];
  async function apply(settings: Settings[], keepMessage = false): Promise<boolean> {
    page.settings = settings.map((s) => ({ ...s }));
    applied = settings.map((s) => ({ ...s }));
    writeUrl();
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
    controls.build(page.settings);
    return built;
  }

  /** Every run trains on this own data set (same data and seed, as compare mode needs). */
  async function useOwn(d: OwnData, source: string): Promise<void> {
    lab.own = d;
    if (await apply(page.settings.map((s) => ({ ...s, dataset: 'own' })), true)) {
      show(`Training on ${source}: ${d.labels.length} rows, ${d.classes} classes (a fifth held out).`);
    }
  }

  // Toolbar.
  const button = (label: string, id: string, onClick: () => void) => {
    const b = el('button');
    b.textContent = label;
    b.id = id;
    b.addEventListener('click', onClick);
    bar.append(b);
    return b;
  };
  const togglePlay = () => (lab.playing ? lab.pause() : lab.play());
  const step = () => void lab.stepOnce();
  const reset = () => void apply(page.settings);
  const playButton = button('', 'play', togglePlay);
  let shownPlaying: boolean | null = null;
  const syncPlay = () => {
    if (shownPlaying === lab.playing) return;
    shownPlaying = lab.playing;
    iconLabel(playButton, lab.playing ? 'pause' : 'play', lab.playing ? 'Pause' : 'Play');
    playButton.title = `${lab.playing ? 'Pause' : 'Play'} (space)`;
  };
  syncPlay();
  iconLabel(button('', 'step', step), 'step', 'Step');
  iconLabel(button('', 'reset', reset), 'reset', 'Reset');
  (bar.querySelector('#step') as HTMLElement).title = 'One step of every run (s)';
  (bar.querySelector('#reset') as HTMLElement).title = 'Rebuild every run from its initial weights (r)';
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
  // Experiment files: every run's settings (and own data), checked on the way in like the URL's.
  button('Save experiment', 'save-experiment', () => download('gradscope-experiment.json', new Blob([settingsToFile(page.settings, lab.own)], { type: 'application/json' })));
  button('Open experiment…', 'open-experiment', filePicker(bar, 'open-experiment-file', '.json,application/json', async (file) => {
    if (file.size > MAX_EXPERIMENT_BYTES) return show(`Could not open ${file.name}: ${file.size} bytes, over the ${MAX_EXPERIMENT_BYTES} an experiment file may have.`, 'error');
    let opened: ReturnType<typeof fileToSettings>;
    try {
      opened = fileToSettings(await file.text());
    } catch (e) {
      return show(`Could not open ${file.name}: ${(e as Error).message}. Nothing was changed.`, 'error');
    }
    lab.pause();
    if (opened.own) {
      lab.own = opened.own;
      own.show(opened.own, file.name);
    }
    if (!(await apply(opened.runs, true))) return;
    const data = opened.own ? ` with its own data (${opened.own.labels.length} rows)` : '';
    if (opened.rejected.length) show(`Opened ${file.name}${data}; ignored invalid settings: ${opened.rejected.join(', ')} (defaults used instead).`, 'error');
    else show(`Opened ${file.name}: ${opened.runs.length} run${opened.runs.length > 1 ? 's' : ''}${data}.`);
  }));
  // Run files: a finished run's metrics.jsonl (gradscope train, an exported train.py, any PyTorch
  // loop with gradscope_torch.py), shown read-only beside the live runs. A bad file changes nothing.
  button('Open run…', 'open-run', filePicker(bar, 'open-run-file', '.jsonl,.json,application/jsonl', async (file) => {
    if (file.size > RUNFILE_LIMITS.bytes) return show(`Could not open ${file.name}: ${file.size} bytes, over the ${RUNFILE_LIMITS.bytes} a run file may have. Nothing was changed.`, 'error');
    try {
      const records = parseRunFile(await file.text());
      const run = lab.open(file.name, records);
      closeRuns.hidden = false;
      show(`Opened ${file.name} as a read-only run: ${records.length} records, steps ${records[0].step}…${records.at(-1)!.step}${run.records.length < records.length ? ` (${run.records.length} shown)` : ''}.`);
    } catch (e) {
      show(`Could not open ${file.name}: ${(e as Error).message}. Nothing was changed.`, 'error');
    }
  }));
  const closeRuns = button('Close opened runs', 'close-runs', () => {
    lab.closeOpened();
    closeRuns.hidden = true;
    charts.reset();
  });
  closeRuns.hidden = true;
  const help = button('How to read the charts', 'help', () => {
    const on = document.body.classList.toggle('help-on');
    help.setAttribute('aria-pressed', String(on));
  });
  help.setAttribute('aria-pressed', 'false');
  // Each run's step, in the side column: its text changes every frame, and there it cannot re-wrap
  // the toolbar and shift the whole page (a full repaint, a long task on a software GPU).
  const status = el('div', 'status-line');

  layout.side.append(status, controls.element, charts.focusLabel, own.element);

  // Presets.
  const label = el('span', 'label');
  label.textContent = 'Experiments:';
  presetBar.append(label);
  const setUp = async (p: Preset) => {
    expect.textContent = `${p.name} (${p.paper}). Expected: ${p.expect}`;
    for (const b of presetBar.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.textContent === p.name));
    return apply(presetSettings(p));
  };
  for (const p of PRESETS) {
    const b = el('button');
    b.textContent = p.name;
    b.title = `${p.paper}. ${p.expect}`;
    b.addEventListener('click', () => void setUp(p).then(() => lab.play()));
    presetBar.append(b);
  }

  // Keys: space play/pause, s step, r reset; not while typing in a field or choosing in a menu.
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (e.ctrlKey || e.metaKey || e.altKey || t.closest('input, select, textarea, [contenteditable]')) return;
    const act = e.key === ' ' ? togglePlay : e.key === 's' ? step : e.key === 'r' ? reset : null;
    if (!act) return;
    e.preventDefault(); // no page scroll, and a focused button is not also pressed
    act();
  });

  // Lost device: say so at once, offer to resume from the last in-memory checkpoint.
  const watchLoss = (c: GpuContext) => void c.gpu.lost.then((info) => {
    if (lab.ctx !== c) return;
    lab.deviceLost = true;
    lab.pause();
    show(`The GPU device was lost (${info.reason || 'unknown'}: ${info.message || 'no details'}). Training stopped.`, 'error');
    const resume = el('button');
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
    const t0 = performance.now();
    if (charts.draw()) {
      page.stats.frames++;
      page.stats.slowestDrawMs = Math.max(page.stats.slowestDrawMs, performance.now() - t0);
    }
    profile.draw();
    syncPlay();
    diagnosis.draw();
    // Every run's step; a run the non-finite guard stopped says where (the others train on).
    status.textContent = lab.runs.map((r) => {
      const stop = r.trainer.stopped;
      return `${r.name}: step ${r.trainer.step}${stop ? ` (stopped: non-finite values at step ${stop.step} in ${stop.where})` : ''}`;
    }).concat(lab.opened.map((r) => `${r.name}: read-only, to step ${r.records.at(-1)!.step}`)).join('\n');
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  // A URL with settings reproduces them; a bare one (a first visit) opens on a preset, paused.
  const query = new URLSearchParams(location.search);
  const fromUrl = queryToSettings(location.search);
  const notes = fromUrl.rejected.length ? [`Ignored invalid URL settings: ${fromUrl.rejected.join(', ')} (defaults used instead).`] : [];
  if (query.has('own')) {
    try {
      lab.own = ownFromQuery(query.get('own')!);
      own.show(lab.own, 'the link');
    } catch (e) {
      notes.push(`Ignored the link's own data: ${(e as Error).message}.`);
    }
  }
  if (!lab.own && fromUrl.runs.some((s) => s.dataset === 'own')) {
    notes.push('This link\'s runs train on own data that is not in the link (too large): open the experiment file. The spiral stands in.');
    for (const s of fromUrl.runs) if (s.dataset === 'own') s.dataset = 'spiral';
  }
  if (notes.length) show(notes.join(' '), 'error');
  if ([...query.keys()].length === 0) {
    await setUp(FIRST_PRESET);
    await lab.stepOnce(); // the charts show the first step's gradients: the expectation is visible at once
  } else await apply(fromUrl.runs, notes.length > 0);
  return page;
}
