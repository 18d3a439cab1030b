// The profiler panel: per run, a table of per-kernel GPU time and a bar chart of each kernel's
// share of the step. Profiling runs every kernel in its own timed pass, so it is a mode the user
// turns on (diagnostics pause meanwhile), not something that costs anything when off.
import type { Lab } from './runs';

export class ProfilePanel {
  readonly root: HTMLElement;
  private body: HTMLElement;
  private drawn = -1;
  on = false;

  constructor(parent: HTMLElement, private lab: Lab) {
    this.root = document.createElement('section');
    this.root.className = 'profile';
    this.root.hidden = true;
    const h = document.createElement('h2');
    h.textContent = 'Kernel profile';
    this.body = document.createElement('div');
    this.root.append(h, this.body);
    parent.append(this.root);
  }

  toggle(): boolean {
    this.on = !this.on;
    for (const r of this.lab.runs) {
      if (this.on) r.trainer.startProfiling();
      else r.trainer.stopProfiling();
    }
    this.root.hidden = !this.on;
    return this.on;
  }

  /** Runs were rebuilt: profile the new trainers too. */
  reattach(): void {
    if (this.on) for (const r of this.lab.runs) r.trainer.startProfiling();
  }

  draw(): void {
    if (!this.on || this.drawn === this.lab.version) return;
    this.drawn = this.lab.version;
    this.body.replaceChildren();
    for (const run of this.lab.runs) {
      const p = run.trainer.profiler;
      if (!p) continue;
      const rows = p.table().slice(0, 12);
      const fig = document.createElement('figure');
      fig.className = 'chart';
      const cap = document.createElement('figcaption');
      cap.textContent = `${run.name}: ${p.steps} profiled steps, mean ${p.meanStepMs.toFixed(2)} ms of GPU time per step`;
      const table = document.createElement('table');
      const head = table.insertRow();
      for (const h of ['kernel', 'calls', 'total ms', 'mean ms', 'median', 'p95', 'GFLOP/s', 'GB/s', 'share']) head.insertCell().textContent = h;
      for (const r of rows) {
        const tr = table.insertRow();
        const cells = [r.kernel, String(r.calls), r.totalMs.toFixed(1), r.meanMs.toFixed(3), r.medianMs.toFixed(3), r.p95Ms.toFixed(3), r.gflops?.toFixed(2) ?? '-', r.gbps?.toFixed(2) ?? '-'];
        for (const c of cells) tr.insertCell().textContent = c;
        const bar = tr.insertCell();
        const fill = document.createElement('span');
        fill.className = 'bar';
        fill.style.width = `${Math.round(100 * r.share)}px`;
        fill.style.background = run.color;
        bar.append(fill, ` ${(100 * r.share).toFixed(1)}%`);
      }
      const note = document.createElement('div');
      note.className = 'note';
      note.textContent = p.precision;
      fig.append(cap, table, note);
      this.body.append(fig);
    }
  }
}
