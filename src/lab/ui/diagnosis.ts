// The Diagnosis panel: per run, what gradscope's rules see in its records (updated as they
// arrive), the evidence, and the advice; an advice item that is one setting away has a "Try this"
// button that adds a compare run with that change on the same seed. Self-contained: one element
// (`element`) for the page to place, fed from the lab's runs; text only ever goes into textContent.
import { Diagnoser, RULES, THRESHOLDS, type Change, type Finding } from '../../engine/diagnosis';
import type { Lab, Run } from './runs';
import { LIMITS, relevant, type Settings } from './settings';

const TITLES: Record<Finding['kind'], string> = {
  vanishing_gradients: 'Vanishing gradients', exploding_gradients: 'Exploding gradients', non_finite: 'Non-finite values',
  saturated_units: 'Saturated units', dead_units: 'Dead units', tiny_updates: 'Tiny updates', large_updates: 'Large updates',
  vanishing_through_time: 'Vanishing gradient through time', exploding_through_time: 'Exploding gradient through time',
  generator_gradients_vanishing: "Generator's gradient vanishing", discriminator_overpowering: 'Discriminator overpowering',
};
const MAX_RUNS = 4;

/** `s` with one advice change applied; null when the change is a no-op or means nothing for this data set. */
export function applyChange(s: Settings, c: Change): Settings | null {
  const next: Settings = { ...s };
  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => { if (relevant(s, key)) next[key] = value; };
  if (c.activation) set('activation', c.activation);
  if (c.init) set('init', c.init);
  if (c.norm) set('norm', c.norm);
  if (c.residual) set('residual', true);
  if (c.clip !== undefined) set('clip', c.clip);
  if (c.cell) set('cell', c.cell);
  if (c.lrFactor) set('lrLog10', Math.min(LIMITS.lrLog10[1], Math.max(LIMITS.lrLog10[0], Math.round(10 * (s.lrLog10 + Math.log10(c.lrFactor))) / 10)));
  const changed = (Object.keys(s) as (keyof Settings)[]).some((k) => next[k] !== s[k]);
  return changed ? next : null;
}

export class DiagnosisPanel {
  readonly element = document.createElement('section');
  private body = document.createElement('div');
  private fed = new WeakMap<Run, { d: Diagnoser; last: number; id: number }>();
  private ids = 0;
  private structure = '';
  /** The evidence and status nodes of what is shown, updated in place (buttons stay put). */
  private live: { node: HTMLElement; text: () => string }[] = [];

  /**
   * `onTry(settings)`: add a run with these settings; `onPreset(name)`: load that preset.
   */
  constructor(private lab: Lab, private onTry: (s: Settings) => void, private onPreset: (name: string) => void) {
    this.element.className = 'diagnosis';
    this.element.id = 'diagnosis';
    const h = document.createElement('h2');
    h.textContent = 'Diagnosis';
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = `Rules read each run's last ${THRESHOLDS.windowSteps.value} steps of records (README: Diagnosis).`;
    this.element.append(h, note, this.body);
  }

  /** Reads new records of every run; redraws what changed. Cheap: the page calls it every frame. */
  draw(): void {
    const state = this.lab.runs.map((run) => {
      let f = this.fed.get(run);
      if (!f) this.fed.set(run, (f = { d: new Diagnoser(run.trainer.spec, RULES, run.trainer.model.params.filter((p) => p.role === 'weight').map((p) => p.name)), last: 0, id: ++this.ids }));
      for (const r of run.records) if (r.step > f.last) { f.d.push(r); f.last = r.step; }
      return { run, d: f.d, id: f.id };
    });
    const structure = JSON.stringify([this.lab.runs.length < MAX_RUNS, state.map(({ d, id }) => [id, d.stepsSeen > 0, d.history.length, d.current.map((f) => [f.kind, f.advice.map((a) => a.text)])])]);
    if (structure !== this.structure) {
      this.structure = structure;
      this.render(state);
    }
    for (const l of this.live) { const t = l.text(); if (l.node.textContent !== t) l.node.textContent = t; } // no layout when unchanged
  }

  private render(state: { run: Run; d: Diagnoser }[]): void {
    this.body.replaceChildren();
    this.live = [];
    for (const { run, d } of state) {
      const box = el('div', 'diagnosis-run');
      box.dataset.run = run.name;
      const head = el('h3');
      head.textContent = run.name;
      head.style.color = run.color;
      box.append(head);
      if (d.stepsSeen === 0) {
        box.append(text('p', 'healthy', 'No records yet: press Play.'));
      } else if (!d.current.length) {
        const p = text('p', 'healthy', '');
        this.live.push({ node: p, text: () => `No problem seen over the last ${Math.min(d.stepsSeen, THRESHOLDS.windowSteps.value)} steps (step ${d.stepsSeen}).` });
        box.append(p);
      }
      for (const f of d.current) box.append(this.finding(run, d, f));
      // Findings that cleared (a steep start that training evened out) stay listed in one line.
      const cleared = d.history.filter((h) => h.until_step !== null);
      if (cleared.length) box.append(text('p', 'cleared', `Earlier: ${cleared.map((h) => `${TITLES[h.kind].toLowerCase()} (steps ${h.since_step}-${h.until_step})`).join('; ')}.`));
      this.body.append(box);
    }
  }

  private finding(run: Run, d: Diagnoser, f: Finding): HTMLElement {
    const item = el('div', 'finding');
    item.dataset.kind = f.kind;
    item.dataset.severity = f.severity;
    const title = text('div', 'title', '');
    const now = () => d.current.find((c) => c.kind === f.kind) ?? f;
    this.live.push({ node: title, text: () => { const c = now(); return `${TITLES[c.kind]} (${c.severity}, since step ${c.since_step})${c.where.length ? ` · ${c.where.slice(0, 3).join(', ')}${c.where.length > 3 ? ` +${c.where.length - 3}` : ''}` : ''}`; } });
    item.append(title);
    const evidence = text('div', 'evidence', f.evidence);
    this.live.push({ node: evidence, text: () => now().evidence });
    item.append(evidence);
    const list = el('ul');
    for (const a of f.advice) {
      const li = text('li', '', a.text);
      const next = a.change ? applyChange(run.settings, a.change) : null;
      if (next && this.lab.runs.length < MAX_RUNS) li.append(' ', button('Try this', 'try', `Add a run: ${run.name} with this change, same seed`, () => this.onTry(next)));
      if (a.preset) li.append(' ', button(`Preset: ${a.preset}`, 'preset-link', 'Load the preset that demonstrates this', () => this.onPreset(a.preset!)));
      list.append(li);
    }
    item.append(list);
    return item;
  }
}

function el(tag: string, className = ''): HTMLElement {
  const e = document.createElement(tag);
  if (className) e.className = className;
  return e;
}

function text(tag: string, className: string, content: string): HTMLElement {
  const e = el(tag, className);
  e.textContent = content;
  return e;
}

function button(label: string, className: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.className = className;
  b.textContent = label;
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}
