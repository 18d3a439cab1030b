// The run controls in the side column: one lil-gui panel per run behind a tab per run (so two to
// four runs take the room of one), and above them a table of the settings that differ between the
// runs (the comparison at a glance). Only the controls that mean something for a run's data set
// are shown.
import GUI from 'lil-gui';
import { ACTIVATIONS } from '../../kernels/activation_ids';
import { INITIALISERS } from '../../engine/spec';
import { el } from './layout';
import type { Lab } from './runs';
import { CELLS, LAB_DATASETS, LAB_OPTIMIZERS, LIMITS, NORMS, RECURRENT_INITS_LAB, relevant, type Settings } from './settings';

/** What a control panel asks the page to do. */
export interface ControlActions {
  /** structural change: rebuild every run with run i's panel values */
  rebuild(i: number, s: Settings): void;
  /** learning rate or clipping of run i changed: no rebuild */
  retune(i: number, s: Settings): void;
  remove(i: number): void;
}

const LABELS: Partial<Record<keyof Settings, string>> = {
  depth: 'hidden layers', init: 'initialiser', initStd: 'normal init std', norm: 'normalisation', lrLog10: 'log10 learning rate',
  batch: 'batch size', clip: 'clip norm (0 = off)', cell: 'recurrent cell', recurrentInit: 'recurrent init',
  spectralRadius: 'spectral radius (0 = init)', seqLen: 'sequence length T',
};

export class RunControls {
  readonly element = el('div', 'controls');
  private tabs = el('div', 'run-tabs');
  private differs = el('table', 'differs');
  private panels = el('div', 'panels');
  private guis: GUI[] = [];
  private selected = 0;

  constructor(private lab: Lab, private actions: ControlActions) {
    this.tabs.setAttribute('role', 'tablist');
    this.element.append(this.tabs, this.differs, this.panels);
  }

  /** Rebuilds the panels for `settings` (after every apply). */
  build(settings: Settings[]): void {
    for (const g of this.guis) g.destroy();
    if (this.selected >= settings.length) this.selected = 0;
    this.guis = settings.map((s, i) => this.panel(s, i, settings.length));
    this.tabs.replaceChildren(...settings.map((_, i) => {
      const run = this.lab.runs[i];
      const b = el('button', 'tab');
      b.textContent = run?.name ?? `run ${i + 1}`;
      b.style.setProperty('--run-color', run?.color ?? '#444');
      b.setAttribute('role', 'tab');
      b.addEventListener('click', () => this.select(i));
      return b;
    }));
    this.tabs.hidden = settings.length < 2;
    this.drawDiffers(settings);
    this.select(this.selected);
  }

  select(i: number): void {
    this.selected = i;
    this.guis.forEach((g, k) => (g.domElement.hidden = k !== i));
    [...this.tabs.children].forEach((b, k) => b.setAttribute('aria-selected', String(k === i)));
  }

  private panel(s: Settings, i: number, count: number): GUI {
    const run = this.lab.runs[i];
    const gui = new GUI({ container: this.panels, title: run?.name ?? `run ${i + 1}` });
    gui.domElement.style.setProperty('--title-background-color', run?.color ?? '#444');
    // `s` is what this panel edits; the page carries its values over explicitly, so a second
    // change made while the first rebuild runs is not lost.
    const rebuild = () => this.actions.rebuild(i, s);
    const retune = () => this.actions.retune(i, s);
    const add = (key: keyof Settings, ...args: unknown[]) => {
      const c = (gui.add as (o: object, k: string, ...a: unknown[]) => ReturnType<GUI['add']>)(s, key, ...args);
      if (LABELS[key]) c.name(LABELS[key]!);
      return c;
    };
    add('dataset', [...LAB_DATASETS]).onFinishChange(rebuild);
    add('depth', LIMITS.depth[0], LIMITS.depth[1], 1).onFinishChange(rebuild);
    add('width', LIMITS.width[0], LIMITS.width[1], 1).onFinishChange(rebuild);
    add('activation', Object.keys(ACTIVATIONS)).onFinishChange(rebuild);
    add('init', [...INITIALISERS]).onFinishChange(rebuild);
    add('initStd', LIMITS.initStd[0], LIMITS.initStd[1]).onFinishChange(rebuild);
    add('norm', [...NORMS]).onFinishChange(rebuild);
    add('residual').onFinishChange(rebuild);
    add('optimizer', [...LAB_OPTIMIZERS]).onFinishChange(rebuild);
    add('lrLog10', LIMITS.lrLog10[0], LIMITS.lrLog10[1], 0.1).onChange(retune);
    add('batch', LIMITS.batch[0], LIMITS.batch[1], 1).onFinishChange(rebuild);
    add('clip', LIMITS.clip[0], LIMITS.clip[1], 0.1).onChange(retune);
    add('seed', LIMITS.seed[0], LIMITS.seed[1], 1).onFinishChange(rebuild);
    add('cell', [...CELLS]).onFinishChange(rebuild);
    add('recurrentInit', [...RECURRENT_INITS_LAB]).onFinishChange(rebuild);
    add('spectralRadius', LIMITS.spectralRadius[0], LIMITS.spectralRadius[1], 0.05).onFinishChange(rebuild);
    add('seqLen', LIMITS.seqLen[0], LIMITS.seqLen[1], 1).onFinishChange(rebuild);
    for (const c of gui.controllers) {
      const key = c.property as keyof Settings;
      if (key in s) c.show(relevant(s, key));
    }
    if (count > 1) gui.add({ remove: () => this.actions.remove(i) }, 'remove').name('remove this run');
    return gui;
  }

  /** The settings in which the runs differ, one row each (hidden for a single run). */
  private drawDiffers(settings: Settings[]): void {
    this.differs.replaceChildren();
    const keys = (Object.keys(settings[0] ?? {}) as (keyof Settings)[]).filter((k) => settings.some((s) => s[k] !== settings[0][k]));
    this.differs.hidden = settings.length < 2 || keys.length === 0;
    if (this.differs.hidden) return;
    const head = this.differs.insertRow();
    head.insertCell().textContent = 'differs';
    settings.forEach((_, i) => {
      const c = head.insertCell();
      c.textContent = this.lab.runs[i]?.name.replace('run ', '') ?? String(i + 1);
      c.style.color = this.lab.runs[i]?.color ?? '';
    });
    for (const k of keys) {
      const row = this.differs.insertRow();
      row.insertCell().textContent = LABELS[k] ?? k;
      for (const s of settings) row.insertCell().textContent = typeof s[k] === 'number' ? String(+(s[k] as number).toPrecision(4)) : String(s[k]);
    }
  }
}
