// The rule registry: one rule per finding kind, each reading a window of step records (see
// Window in index.ts) and the thresholds table. A rule returns null when it sees nothing; a
// finding's numbers go into its evidence so a person can check them against the charts.
// To add a rule (the GAN rules, once their records exist): write a Rule, add its kind to
// FINDING_KINDS and the rule to RULES, and give it a real-engine test that fires and one that
// stays silent.
import type { StepRecord } from '../diagnostics';
import { deadAdvice, explodingAdvice, largeUpdateAdvice, saturationAdvice, timeExplodingAdvice, timeVanishingAdvice, tinyUpdateAdvice, vanishingAdvice } from './advice';
import type { Rule, Window } from './index';
import { limit } from './thresholds';

export const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const e = (x: number) => x.toExponential(1);
const num = (x: number) => Number(x.toPrecision(2)).toString();
const pct = (x: number) => `${Math.round(100 * x)}%`;
// A record's parameters by name, built once per record (rules look them up for every record of
// the window on every push; a 60-layer net has ~120 tensors).
const byName = new WeakMap<StepRecord, Map<string, StepRecord['params'][number]>>();
const param = (r: StepRecord, name: string) => {
  let m = byName.get(r);
  if (!m) byName.set(r, (m = new Map(r.params.map((p) => [p.name, p]))));
  return m.get(name);
};
const grad = (r: StepRecord, name: string) => param(r, name)?.gradNorm ?? NaN;
/** The weight tensors' entries of a record, input to output. */
const weightParams = (r: StepRecord, weights: string[]) => weights.flatMap((n) => { const p = param(r, n); return p ? [p] : []; });
const finite = (w: Window) => w.records.filter((r) => Number.isFinite(r.loss));
const steps = (rs: StepRecord[]) => `steps ${rs[0].step}-${rs[rs.length - 1].step}`;

/** The loss over the window: its two halves' means, and whether it has stalled short of learning. */
export function lossTrend(w: Window): { before: number; after: number; stalled: boolean; text: string } {
  const rs = finite(w);
  const half = Math.floor(rs.length / 2);
  const mean = (xs: StepRecord[]) => xs.reduce((a, r) => a + r.loss, 0) / Math.max(1, xs.length);
  const before = mean(rs.slice(0, half));
  const after = mean(rs.slice(half));
  const reference = w.facts.baseline ?? w.first.loss;
  const stalled = rs.length >= 2 && after > before * (1 - limit('stalledImprovement')) && after > limit('stalledLevel') * reference;
  const text = rs.length ? `loss ${before.toFixed(3)} → ${after.toFixed(3)} over ${steps(rs)} (baseline ${w.facts.baseline !== null ? w.facts.baselineName : `${reference.toFixed(3)}, ${w.facts.baselineName}`})` : 'no finite loss';
  return { before, after, stalled, text };
}

/** First and last weight tensor: the input and output side of the net. */
const ends = (w: Window) => ({ first: w.facts.weights[0], last: w.facts.weights[w.facts.weights.length - 1] });

const vanishingGradients: Rule = {
  kind: 'vanishing_gradients',
  check(w) {
    if (!w.full || w.facts.weights.length < 2) return null;
    const { first, last } = ends(w);
    // Medians over the window: one noisy record neither makes nor breaks a sustained condition.
    const ratio = median(w.records.map((r) => (grad(r, last) > 0 ? grad(r, first) / grad(r, last) : NaN)));
    const held = ratio < limit('vanishingRatio') && median(w.records.map((r) => grad(r, first))) < limit('vanishingFirstNorm');
    const trend = lossTrend(w);
    if (!held || !trend.stalled) return null;
    const r = w.records[w.records.length - 1];
    const [a, b] = [grad(r, first), grad(r, last)];
    const where = w.facts.weights.filter((n) => grad(r, n) < limit('vanishingRatio') * b);
    return {
      severity: 'problem', where,
      evidence: `at step ${r.step} ${first}'s gradient norm is ${e(a)}, ${last}'s is ${e(b)}: ${a > 0 ? `${Math.round(Math.log10(b / a))} orders of magnitude` : 'none reaches the input'} (median first/last ratio ${e(ratio)} over ${steps(w.records)}); ${trend.text}`,
      advice: vanishingAdvice(w.facts),
    };
  },
};

const explodingGradients: Rule = {
  kind: 'exploding_gradients',
  check(w) {
    const rs = finite(w);
    if (!rs.length || w.facts.weights.length < 2) return null;
    const { first, last } = ends(w);
    const peak = Math.max(...rs.map((r) => r.globalGradNorm));
    // Diverging: the loss rose from where it started to far above the trivial predictor's.
    if (w.full) {
      const reference = w.facts.baseline ?? w.first.loss;
      const typical = median(rs.map((r) => r.loss));
      if (typical > limit('divergedLoss') * reference && typical > w.first.loss) {
        return {
          severity: 'problem', where: [],
          evidence: `the median loss over ${steps(rs)} is ${typical.toPrecision(3)} (max ${Math.max(...rs.map((r) => r.loss)).toPrecision(3)}), up from ${w.first.loss.toFixed(3)} at step ${w.first.step} and ${(typical / reference).toFixed(0)}x the baseline ${w.facts.baselineName}; the global gradient norm reached ${e(peak)}${w.facts.clip ? ' before clipping' : ''}`,
          advice: explodingAdvice(w.facts, false),
        };
      }
    }
    // Across depth (clipping bounds the step, so a steep profile alone is then no problem).
    if (w.facts.clip) return null;
    const ratio = median(rs.map((r) => grad(r, first) / grad(r, last)));
    if (!(ratio > limit('explodingRatio'))) return null;
    const r = rs[rs.length - 1];
    return {
      severity: 'problem', where: [first],
      evidence: `${first}'s gradient norm is ${Math.round(ratio)}x ${last}'s (median over ${steps(rs)}; ${e(grad(r, first))} vs ${e(grad(r, last))} at step ${r.step}), global norm up to ${e(peak)}`,
      advice: explodingAdvice(w.facts, true),
    };
  },
};

const nonFinite: Rule = {
  kind: 'non_finite',
  check(w) {
    const bad = w.records.find((r) => r.nonFinite);
    if (!bad?.nonFinite) return null;
    const before = finite(w).filter((r) => r.step < bad.nonFinite!.step).pop();
    return {
      severity: 'problem', where: [bad.nonFinite.where], since: bad.nonFinite.step,
      evidence: `training stopped at step ${bad.nonFinite.step}: non-finite values first in ${bad.nonFinite.where}${before ? `; at step ${before.step} the loss was ${before.loss.toPrecision(3)} and the global gradient norm ${e(before.globalGradNorm)}` : ''}`,
      advice: explodingAdvice(w.facts, false),
    };
  },
};

/** Layers whose per-record fraction (saturated or dead) has a window median at or above `at`. */
function layersOver(w: Window, pick: (l: StepRecord['layers'][number]) => number | null, at: number, above: boolean) {
  const last = w.records[w.records.length - 1];
  return last.layers.flatMap((l, i) => {
    if (pick(l) === null) return [];
    const m = median(w.records.map((r) => pick(r.layers[i]) ?? NaN));
    return (above ? m > at : m >= at) ? [{ name: l.name, type: l.type, m }] : [];
  });
}
const listLayers = (ls: { name: string; type: string; m: number }[], what: string) =>
  ls.slice(0, 3).map((l) => `${l.name} (${l.type}): ${pct(l.m)} ${what}`).join('; ') + (ls.length > 3 ? `; ${ls.length - 3} more layers` : '');

const saturatedUnits: Rule = {
  kind: 'saturated_units',
  check(w) {
    if (w.records.length < limit('minRecords')) return null;
    const hit = layersOver(w, (l) => l.saturated, limit('saturatedFraction'), true);
    if (!hit.length) return null;
    return {
      severity: 'warning', where: hit.map((l) => l.name),
      evidence: `${listLayers(hit, 'of outputs within 0.01 of a bound')} (median over ${steps(w.records)}); a saturated unit passes almost no gradient`,
      advice: saturationAdvice(w.facts),
    };
  },
};

const deadUnits: Rule = {
  kind: 'dead_units',
  check(w) {
    if (w.records.length < limit('minRecords')) return null;
    const hit = layersOver(w, (l) => l.dead, limit('deadFraction'), false);
    if (!hit.length) return null;
    return {
      severity: 'problem', where: hit.map((l) => l.name),
      evidence: `${listLayers(hit, 'of units output 0 for the whole batch')} (median over ${steps(w.records)}); a dead ReLU gets no gradient and does not recover`,
      advice: deadAdvice(w.facts),
    };
  },
};

const largestOf = new WeakMap<StepRecord, number>();
/** The largest weight tensor's ‖ΔW‖/‖W‖ of a record (cached: a record's weights never change). */
const largest = (r: StepRecord, weights: string[]) => {
  let u = largestOf.get(r);
  if (u === undefined) largestOf.set(r, (u = weightParams(r, weights).reduce((a, p) => (Number.isNaN(a) || p.updateRatio > a ? p.updateRatio : a), NaN)));
  return u;
};

const tinyUpdates: Rule = {
  kind: 'tiny_updates',
  check(w) {
    if (!w.full || !w.facts.weights.length) return null;
    const top = w.records.map((r) => largest(r, w.facts.weights));
    const trend = lossTrend(w);
    if (!top.every((u) => u < limit('tinyUpdate')) || !trend.stalled) return null;
    const r = w.records[w.records.length - 1];
    const ratio = median(weightParams(r, w.facts.weights).map((p) => p.gradNorm / (p.weightNorm || 1)));
    return {
      severity: 'warning', where: w.facts.weights,
      evidence: `the largest weight update ‖ΔW‖/‖W‖ is at most ${e(Math.max(...top))} over ${steps(w.records)} (healthy training moves weights ~1e-3 per step); median ‖g‖/‖W‖ ${e(ratio)} at lr ${num(w.facts.lr)}; ${trend.text}`,
      advice: tinyUpdateAdvice(w.facts, ratio < 1e-4, Math.max(...top)),
    };
  },
};

const largeUpdates: Rule = {
  kind: 'large_updates',
  check(w) {
    if (!w.full || !w.facts.weights.length) return null;
    const top = median(w.records.map((r) => largest(r, w.facts.weights)));
    if (!(top > limit('largeUpdate'))) return null;
    const r = w.records[w.records.length - 1];
    const worst = weightParams(r, w.facts.weights).sort((a, b) => b.updateRatio - a.updateRatio);
    return {
      severity: 'warning', where: worst.filter((p) => p.updateRatio > limit('largeUpdate')).map((p) => p.name),
      evidence: `the largest weight update ‖ΔW‖/‖W‖ has a median of ${e(top)} over ${steps(w.records)} (${worst[0].name}: ${e(worst[0].updateRatio)} at step ${r.step}); healthy training moves weights ~1e-3 per step`,
      advice: largeUpdateAdvice(w.facts),
    };
  },
};

/** ‖∂L/∂h_0‖ / ‖∂L/∂h_{T-1}‖ per recurrent layer and record. */
const fade = (r: StepRecord, i: number) => { const n = r.hiddenGradNorms[i]?.norms ?? []; return n.length > 1 && n[n.length - 1] > 0 ? n[0] / n[n.length - 1] : NaN; };

const vanishingThroughTime: Rule = {
  kind: 'vanishing_through_time',
  check(w) {
    const last = w.records[w.records.length - 1];
    if (!w.full || !last.hiddenGradNorms.length) return null;
    const rs = finite(w);
    const level = median(rs.map((r) => r.loss));
    const reference = w.facts.baseline ?? w.first.loss;
    if (!(level > limit('stalledLevel') * reference)) return null;
    const hit = last.hiddenGradNorms.filter((_, i) => w.records.every((r) => fade(r, i) < limit('timeVanishingRatio')));
    if (!hit.length) return null;
    const n = hit[0].norms;
    return {
      severity: 'problem', where: hit.map((h) => h.name),
      evidence: `at step ${last.step} ‖∂L/∂h_0‖ of ${hit[0].name} is ${e(n[0])} and ‖∂L/∂h_${n.length - 1}‖ is ${e(n[n.length - 1])}: the gradient reaching the first time step is below ${limit('timeVanishingRatio')} of the last's in every record of ${steps(w.records)}; the median loss ${level.toFixed(3)} is not clearly below the baseline ${w.facts.baselineName}`,
      advice: timeVanishingAdvice(w.facts),
    };
  },
};

const explodingThroughTime: Rule = {
  kind: 'exploding_through_time',
  check(w) {
    const last = w.records[w.records.length - 1];
    if (w.facts.clip || w.records.length < limit('minRecords') || !last.hiddenGradNorms.length) return null;
    const hit = last.hiddenGradNorms.map((h, i) => ({ h, m: median(w.records.map((r) => fade(r, i))) })).filter((x) => x.m > limit('timeExplodingRatio'));
    if (!hit.length) return null;
    const n = hit[0].h.norms;
    return {
      severity: 'problem', where: hit.map((x) => x.h.name),
      evidence: `‖∂L/∂h_0‖ is a median ${Math.round(hit[0].m)}x ‖∂L/∂h_${n.length - 1}‖ over ${steps(w.records)} (${e(n[0])} vs ${e(n[n.length - 1])} at step ${last.step}): the gradient grows going back through time`,
      advice: timeExplodingAdvice(w.facts),
    };
  },
};

export const RULES: readonly Rule[] = [
  nonFinite, explodingGradients, vanishingGradients, explodingThroughTime, vanishingThroughTime,
  deadUnits, saturatedUnits, largeUpdates, tinyUpdates,
];
