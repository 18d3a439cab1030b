// "Your own data" in the side column: draw points of two to four classes on a canvas (click or
// drag to add, a class picker, an eraser), or load a CSV of x1,…,xn,label. Both go through the
// engine's one validator (src/engine/own_data.ts): a bad file is refused naming its line, column
// and field, and nothing changes. "Train on these points" hands the data to the page.
import { OWN_LIMITS, ownFromCells, ownRow, parseOwnCsv, type OwnData } from '../../engine/own_data';
import { filePicker } from './files';
import { el } from './layout';
import { CLASS_COLORS } from './plots';

/** Drawing area: [-DRAW_EXTENT, DRAW_EXTENT]² (the toys' scale), three decimals a coordinate. */
export const DRAW_EXTENT = 1.2;
const DRAW_CLASSES = 4;
/** Own data this small and 2-D travels in the URL; larger only in experiment files. */
const URL_ROWS = 200;

type Point = [number, number, number];

export class OwnDataPanel {
  readonly element = el('details', 'own');
  readonly canvas = el('canvas');
  private points: Point[] = [];
  private cls = 0;
  private erasing = false;
  private info = el('p', 'note');
  private picker = el('div', 'picker');

  /** `use(data, source)`: train every run on this data; `refuse(message)`: say why not. */
  constructor(private use: (d: OwnData, source: string) => void, private refuse: (message: string) => void) {
    const summary = el('summary');
    summary.textContent = 'Your own data: draw points or load a CSV';
    this.canvas.width = this.canvas.height = 320;
    this.canvas.id = 'own-canvas';
    for (let c = 0; c < DRAW_CLASSES; c++) {
      const b = el('button', 'class-pick');
      b.textContent = `class ${c}`;
      b.style.setProperty('--class-color', CLASS_COLORS[c]);
      b.dataset.class = String(c);
      b.addEventListener('click', () => this.pick(c, false));
      this.picker.append(b);
    }
    const eraser = this.button('eraser', 'own-eraser', () => this.pick(this.cls, true));
    eraser.classList.add('class-pick');
    this.picker.append(eraser);
    const actions = el('div', 'own-actions');
    actions.append(
      this.button('Train on these points', 'own-use', () => this.submit()),
      this.button('Clear', 'own-clear', () => { this.points = []; this.redraw(); }),
      this.button('Load CSV…', 'own-load-csv', filePicker(this.element, 'own-csv-file', '.csv,text/csv,text/plain', (f) => this.load(f))),
    );
    const how = el('p', 'how');
    how.textContent = `Click or drag to add points of the picked class; the eraser removes them. A CSV has rows x1,…,xn,label (a header row optional; labels 0-9 or words), at most ${OWN_LIMITS.rows.toLocaleString()} rows and ${OWN_LIMITS.features} features; a fifth is held out (seeded).`;
    this.element.append(summary, this.picker, this.canvas, actions, this.info, how);
    this.canvas.addEventListener('pointerdown', (e) => this.stroke(e));
    this.pick(0, false);
    this.redraw();
  }

  /** Shows data the page already trains on (from a CSV, a file or the URL) and opens the panel. */
  show(d: OwnData, source: string): void {
    this.points = d.features === 2 ? Array.from(d.labels, (_, i) => ownRow(d, i) as Point) : [];
    this.element.open = true;
    this.redraw();
    this.info.textContent = `${source}: ${d.labels.length} rows, ${d.features} feature${d.features > 1 ? 's' : ''} (${d.columns.join(', ')}), ${d.classes} classes${d.names ? ` (${d.names.join(', ')})` : ''}${d.features === 2 ? '' : '; only 2-D data can be drawn'}.`;
  }

  private button(label: string, id: string, onClick: () => void): HTMLButtonElement {
    const b = el('button');
    b.textContent = label;
    b.id = id;
    b.addEventListener('click', onClick);
    return b;
  }

  private pick(c: number, erase: boolean): void {
    this.cls = c;
    this.erasing = erase;
    [...this.picker.children].forEach((b) => b.setAttribute('aria-pressed', String(erase ? b.id === 'own-eraser' : (b as HTMLElement).dataset.class === String(c))));
  }

  /** A point per pointer event while the button is held (drag paints a trail). */
  private stroke(down: PointerEvent): void {
    down.preventDefault();
    const at = (e: PointerEvent): [number, number] => {
      const r = this.canvas.getBoundingClientRect();
      const q = (v: number) => Math.round(v * 1000) / 1000;
      return [q(((e.clientX - r.left) / r.width * 2 - 1) * DRAW_EXTENT), q((1 - (e.clientY - r.top) / r.height * 2) * DRAW_EXTENT)];
    };
    let last: [number, number] | null = null;
    const paint = (e: PointerEvent) => {
      const [x, y] = at(e);
      if (this.erasing) {
        this.points = this.points.filter((p) => Math.hypot(p[0] - x, p[1] - y) > 0.12);
      } else if (!last || Math.hypot(last[0] - x, last[1] - y) > 0.06) {
        if (this.points.length < OWN_LIMITS.rows) this.points.push([x, y, this.cls]);
        last = [x, y];
      }
      this.redraw();
    };
    paint(down);
    const move = (e: PointerEvent) => paint(e);
    const up = () => { this.canvas.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up); };
    this.canvas.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  private submit(): void {
    try {
      const d = ownFromCells(this.points, (r, c) => `point ${r + 1}${c >= 0 ? ` value ${c + 1}` : ''}`, 'drawn points');
      this.use(d, 'drawn points');
      this.show(d, 'drawn points');
    } catch (e) {
      this.refuse(`Could not train on the drawn points: ${(e as Error).message}. Nothing was changed.`);
    }
  }

  private async load(file: File): Promise<void> {
    if (file.size > OWN_LIMITS.bytes) return this.refuse(`Could not load ${file.name}: ${file.size} bytes, over the ${OWN_LIMITS.bytes} a data file may have. Nothing was changed.`);
    let d: OwnData;
    try {
      d = parseOwnCsv(await file.text(), file.name);
    } catch (e) {
      return this.refuse(`Could not load ${file.name}: ${(e as Error).message}. Nothing was changed.`);
    }
    this.use(d, file.name);
    this.show(d, file.name);
  }

  private redraw(): void {
    const g = this.canvas.getContext('2d')!;
    const { width: w, height: h } = this.canvas;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, w, h);
    g.strokeStyle = '#e3e6ec';
    g.beginPath();
    g.moveTo(w / 2, 0); g.lineTo(w / 2, h); g.moveTo(0, h / 2); g.lineTo(w, h / 2);
    g.stroke();
    for (const [x, y, c] of this.points) {
      g.fillStyle = CLASS_COLORS[c % CLASS_COLORS.length];
      g.beginPath();
      g.arc((x / DRAW_EXTENT + 1) / 2 * w, (1 - y / DRAW_EXTENT) / 2 * h, 4, 0, 2 * Math.PI);
      g.fill();
    }
    const classes = new Set(this.points.map((p) => p[2])).size;
    if (!this.element.open || this.points.length) this.info.textContent = `${this.points.length} points drawn, ${classes} class${classes === 1 ? '' : 'es'}.`;
  }
}

/** The URL form of small 2-D own data: rows "x,y,label" joined by ";" (a CSV with ; for lines). */
export function ownToQuery(d: OwnData): string | null {
  if (d.features !== 2 || d.labels.length > URL_ROWS || d.names?.some((n) => /[;,]/.test(n))) return null;
  return Array.from(d.labels, (label, i) => [...ownRow(d, i).slice(0, 2), d.names ? d.names[label] : label].join(',')).join(';');
}

/** Reads ownToQuery's form back through the CSV validator; errors name "the URL's own". */
export function ownFromQuery(q: string): OwnData {
  return parseOwnCsv(q.replaceAll(';', '\n'), "the URL's own");
}
