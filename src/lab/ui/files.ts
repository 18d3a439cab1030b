// Files in and out of the lab: a hidden file input behind a button, downloads, and the metrics
// as CSV. What a file holds is untrusted: the callers check it before anything uses it.
import type { Lab } from './runs';

/**
 * A hidden file input (its id is what tests set files on) in `parent`; returns the function that
 * opens it. `onFile` gets each chosen file; the input is cleared so the same file can be chosen again.
 */
export function filePicker(parent: HTMLElement, id: string, accept: string, onFile: (file: File) => void | Promise<void>): () => void {
  const input = document.createElement('input');
  input.type = 'file';
  input.accept = accept;
  input.id = id;
  input.hidden = true;
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (file) void onFile(file);
  });
  parent.append(input);
  return () => input.click();
}

export function download(name: string, blob: Blob): void {
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
