// The lab's dashboard: a top bar (message, toolbar, presets, the preset's expectation), a side
// column for the run controls and the own-data panel, and one chart grid that uses the width
// (more columns on wider screens, one on a phone). A panel joins the grid with `place(element,
// where)`: 'first' panels share the first screen (vanishing curve, per-layer norms, loss), 'next'
// comes right after them (Diagnosis), 'more' follows below. Text goes into textContent only.

export type Slot = 'first' | 'next' | 'more';

export class Layout {
  readonly message = el('div', 'message');
  readonly toolbar = el('div', 'toolbar');
  readonly presets = el('div', 'presets');
  readonly expect = el('p', 'expect');
  readonly side = el('aside', 'side');
  readonly grid = el('div', 'dash');

  constructor(root: HTMLElement) {
    root.classList.add('dashboard');
    const top = el('div', 'top');
    top.append(this.message, this.toolbar, this.presets, this.expect);
    this.message.hidden = true;
    root.append(top, this.side, this.grid);
  }

  /** Puts a panel in the chart grid; `wide` spans every column. */
  place(panel: HTMLElement, where: Slot, wide = false): void {
    panel.dataset.slot = where;
    panel.classList.toggle('wide', wide);
    this.grid.append(panel);
  }
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  return e;
}

/**
 * Inline SVG icons: they render the same in every browser and font setup (the ⏸ character drew
 * as a box in Chromium on Linux without an emoji font).
 */
const ICONS = {
  play: 'M4 2.5v11l9-5.5z',
  pause: 'M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z',
  step: 'M3 2.5v11l7-5.5zM11 2.5h2.5v11H11z',
  reset: 'M8 2.5a5.5 5.5 0 1 1-5.2 3.7l1.9.6A3.5 3.5 0 1 0 8 4.5V7L4 3.5 8 0z',
};

export function icon(name: keyof typeof ICONS): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '14');
  svg.setAttribute('height', '14');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('icon');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

/** A button with an icon and a label (the label is the accessible name). */
export function iconLabel(button: HTMLButtonElement, name: keyof typeof ICONS, label: string): void {
  const text = el('span');
  text.textContent = label;
  button.replaceChildren(icon(name), text);
}
