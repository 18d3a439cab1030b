// Diagnosis: rules read the step records the trainer already delivers (no extra GPU work) over a
// sliding window and say what they see, with the numbers behind it and the mitigations to try.
// Pure TypeScript: the command line, the lab and the tests all run the same Diagnoser.
//
//   const d = new Diagnoser(spec);  trainer.onStep((r) => d.push(r));  d.current / d.report()
//
// Rules live in a registry (rules.ts, RULES): one object per finding kind. A GAN's rules
// (gan.ts: generator_gradients_vanishing, discriminator_overpowering) read GanStepRecord's
// adversarial scalars through GanDiagnoser, which tracks findings the same way.
import type { Activation } from '../../kernels/activation_ids';
import type { StepRecord } from '../diagnostics';
import { describeModel } from '../model';
import { ADDING_BASELINE_MSE } from '../sequences';
import { isRecurrent, type Initialiser, type LayerSpec, type Spec } from '../spec';
import { RULES } from './rules';
import { limit } from './thresholds';

export { THRESHOLDS } from './thresholds';
export { RULES } from './rules';

export const FINDING_KINDS = [
  'vanishing_gradients', 'exploding_gradients', 'non_finite', 'saturated_units', 'dead_units',
  'tiny_updates', 'large_updates', 'vanishing_through_time', 'exploding_through_time',
] as const;
/** A GAN's own kinds (gan.ts): read from GanStepRecord's adversarial scalars. */
export const GAN_FINDING_KINDS = ['generator_gradients_vanishing', 'discriminator_overpowering'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number] | (typeof GAN_FINDING_KINDS)[number];
/** The kinds about gradients and updates (a mitigated preset run must get none of them). */
export const GRADIENT_KINDS: readonly FindingKind[] = FINDING_KINDS.filter((k) => k !== 'saturated_units' && k !== 'dead_units');

/** One setting to change, in the vocabulary of run specs and the lab's controls. */
export interface Change {
  activation?: Activation;
  init?: Initialiser;
  norm?: 'batch';
  residual?: true;
  /** clip.global_norm */
  clip?: number;
  /** multiply the learning rate by this */
  lrFactor?: number;
  cell?: 'lstm' | 'gru';
}

export interface Advice {
  text: string;
  /** Present only where the change is one setting away and a test shows it removes the finding. */
  change?: Change;
  /** The preset that demonstrates this mitigation (a name in src/lab/ui/presets.ts). */
  preset?: string;
}

export interface Finding {
  kind: FindingKind;
  severity: 'problem' | 'warning';
  /** The first step of the window in which the condition has held since (kept while it holds). */
  since_step: number;
  /** Parameter tensors or layers (PyTorch names) the finding is about. */
  where: string[];
  /** Numbers a person can check against the charts. */
  evidence: string;
  advice: Advice[];
}

/** What the rules may know about the run besides its records. */
export interface RunFacts {
  activations: Activation[];
  inits: Initialiser[];
  /** std of a `normal` init, if one is used */
  normalStd: number | null;
  /** dense layers (hidden and output) */
  denseLayers: number;
  norm: boolean;
  residual: boolean;
  clip: boolean;
  cells: ('rnn' | 'lstm' | 'gru')[];
  optimizer: string;
  lr: number;
  /** The loss of the trivial predictor (ln C for C classes, 1/6 on the adding problem), if known. */
  baseline: number | null;
  baselineName: string;
  /** Weight tensors (role `weight`), input to output. */
  weights: string[];
}

/** Facts from a spec; read again on every record, so the lab's live lr and clip changes count. */
export function runFacts(spec: Spec, weights = describeModel(spec).params.filter((p) => p.role === 'weight').map((p) => p.name)): RunFacts {
  const all: LayerSpec[] = [];
  const walk = (ls: LayerSpec[]) => { for (const l of ls) { all.push(l); if (l.type === 'residual') walk(l.layers); } };
  walk(spec.model.layers);
  const dense = all.filter((l) => l.type === 'dense');
  const last = [...dense].pop();
  const outputs = last?.units ?? 1;
  let baseline: number | null = null;
  let baselineName = 'the first loss';
  if (spec.loss === 'cross_entropy' && outputs > 1) [baseline, baselineName] = [Math.log(outputs), `ln ${outputs} = ${Math.log(outputs).toFixed(3)}, guessing uniformly`];
  else if (spec.loss === 'bce_with_logits') [baseline, baselineName] = [Math.log(2), 'ln 2'];
  else if (spec.loss === 'mse' && spec.data.name === 'adding') [baseline, baselineName] = [ADDING_BASELINE_MSE, '1/6 = 0.167, always guessing the mean'];
  const uniq = <T,>(xs: T[]) => [...new Set(xs)];
  return {
    activations: uniq(all.flatMap((l) => (l.type === 'activation' ? [l.fn] : []))),
    inits: uniq(dense.slice(0, -1).map((l) => l.init)),
    normalStd: dense.find((l) => l.init === 'normal')?.std ?? null,
    denseLayers: dense.length,
    norm: all.some((l) => l.type === 'batchnorm' || l.type === 'layernorm'),
    residual: all.some((l) => l.type === 'residual'),
    clip: spec.clip.global_norm !== undefined || spec.clip.value !== undefined,
    cells: uniq(all.filter(isRecurrent).map((l) => l.type)),
    optimizer: spec.optimizer.type,
    lr: spec.optimizer.lr,
    baseline, baselineName, weights,
  };
}

/** The records a rule sees: those of the last windowSteps steps (or minRecords log intervals, if longer), oldest first. */
export interface Window {
  records: StepRecord[];
  /** The window spans windowSteps (less one log interval) with at least minRecords records. */
  full: boolean;
  /** The run's first record (its starting loss and gradient levels). */
  first: StepRecord;
  facts: RunFacts;
}

export interface Rule {
  kind: FindingKind;
  /**
   * A finding, or null when the rule sees nothing in this window. `since`: the step the
   * condition began, where the rule knows it (else the window's first step).
   */
  check(w: Window): (Omit<Finding, 'kind' | 'since_step'> & { since?: number }) | null;
}

export interface DiagnosisReport {
  findings: (Omit<Finding, 'advice'> & { advice: string[] })[];
  /** Every finding seen, with the step it cleared (null: still there at the end). */
  history: { kind: FindingKind; since_step: number; until_step: number | null }[];
  steps_seen: number;
}

/**
 * Findings as they come and go: what each push of rule results adds to `current`, and in
 * `history` the step each finding began and cleared. Shared by the Diagnoser and the GAN's.
 */
export class FindingTracker {
  current: Finding[] = [];
  history: DiagnosisReport['history'] = [];
  stepsSeen = 0;

  /** This push's rule results at `step` (`windowStart`: the window's first step); returns the findings that appeared. */
  update(seen: (Omit<Finding, 'since_step'> & { since?: number })[], step: number, windowStart: number): Finding[] {
    this.stepsSeen = step;
    const before = new Map(this.current.map((f) => [f.kind, f]));
    const next: Finding[] = [];
    const appeared: Finding[] = [];
    for (const { since: began, ...rest } of seen) {
      // A finding that comes back starts no earlier than it last cleared.
      const cleared = this.history.findLast((h) => h.kind === rest.kind)?.until_step ?? 0;
      const since = before.get(rest.kind)?.since_step ?? Math.max(began ?? windowStart, cleared);
      const f: Finding = { kind: rest.kind, severity: rest.severity, since_step: since, where: rest.where, evidence: rest.evidence, advice: rest.advice };
      next.push(f);
      if (!before.has(rest.kind)) {
        appeared.push(f);
        this.history.push({ kind: f.kind, since_step: since, until_step: null });
      }
    }
    for (const k of before.keys()) {
      if (next.some((f) => f.kind === k)) continue;
      const h = this.history.findLast((e) => e.kind === k && e.until_step === null);
      if (h) h.until_step = step;
    }
    this.current = next;
    return appeared;
  }

  /** The form written to diagnosis.json (advice as sentences). */
  report(): DiagnosisReport {
    return { findings: this.current.map(findingJson), history: this.history.map((h) => ({ ...h })), steps_seen: this.stepsSeen };
  }
}

export class Diagnoser extends FindingTracker {
  private window: StepRecord[] = [];
  private first: StepRecord | null = null;
  private weights: string[];

  constructor(private spec: Spec, private rules: readonly Rule[] = RULES, weights?: string[]) {
    super();
    this.weights = weights ?? describeModel(spec).params.filter((p) => p.role === 'weight').map((p) => p.name);
  }

  /** Reads one record; returns the findings that appeared with it. */
  push(r: StepRecord): Finding[] {
    this.first ??= r;
    // Sparse logging (log_every 50) widens the window so that it still holds minRecords records.
    const span = Math.max(limit('windowSteps'), limit('minRecords') * this.spec.log_every);
    this.window.push(r);
    while (this.window.length > 1 && this.window[0].step <= r.step - span) this.window.shift();
    const interval = this.window.length > 1 ? this.window[1].step - this.window[0].step : span;
    const w: Window = {
      records: this.window, first: this.first, facts: runFacts(this.spec, this.weights),
      full: this.window.length >= limit('minRecords') && r.step - this.window[0].step >= span - 2 * interval,
    };
    const seen = this.rules.flatMap((rule) => {
      const f = rule.check(w);
      return f ? [{ kind: rule.kind, ...f }] : [];
    });
    return this.update(seen, r.step, this.window[0].step);
  }
}

export function findingJson(f: Finding): DiagnosisReport['findings'][number] {
  return { ...f, advice: f.advice.map(adviceText) };
}

export function adviceText(a: Advice): string {
  return a.preset ? `${a.text} (preset: ${a.preset})` : a.text;
}

/** The command line's form: one line, then evidence and advice indented. */
export function formatFinding(f: Finding): string {
  const head = `${f.kind} (${f.severity}, since step ${f.since_step})${f.where.length ? `: ${f.where.slice(0, 4).join(', ')}${f.where.length > 4 ? `, +${f.where.length - 4} more` : ''}` : ''}`;
  return [head, `  evidence: ${f.evidence}`, ...f.advice.map((a) => `  try: ${adviceText(a)}`)].join('\n');
}

/** The command line's summary at the end of a run. */
export function formatReport(d: FindingTracker): string {
  if (!d.current.length) return `diagnosis at step ${d.stepsSeen}: no problem seen over the last ${Math.min(d.stepsSeen, limit('windowSteps'))} steps`;
  return [`diagnosis at step ${d.stepsSeen}: ${d.current.length} finding${d.current.length > 1 ? 's' : ''}`, ...d.current.map(formatFinding)].join('\n');
}
