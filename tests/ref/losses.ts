// Float64 references for the losses (src/kernels/losses.ts), straight from their definitions.
// Rows with a label outside [0, C) give NaN, as the kernel documents.

/** Softmax cross-entropy over rows of logits [B, C]: mean loss, dlogits [B, C], argmax hits. */
export function softmaxCrossEntropy(logits: ArrayLike<number>, labels: ArrayLike<number>, B: number, C: number) {
  const dlogits = new Float64Array(B * C);
  let total = 0;
  let correct = 0;
  for (let b = 0; b < B; b++) {
    const row = Array.from({ length: C }, (_, c) => logits[b * C + c]);
    const m = Math.max(...row);
    const sum = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
    const label = labels[b];
    const valid = Number.isInteger(label) && label >= 0 && label < C;
    total += valid ? m + Math.log(sum) - row[label] : NaN;
    if (valid && row.indexOf(m) === label) correct++; // indexOf: the first max
    for (let c = 0; c < C; c++) dlogits[b * C + c] = valid ? (Math.exp(row[c] - m) / sum - (c === label ? 1 : 0)) / B : NaN;
  }
  return { loss: total / B, dlogits, correct };
}

/** Mean of (pred − target)² and its gradient 2(pred − target)/n. */
export function mse(pred: ArrayLike<number>, target: ArrayLike<number>) {
  const n = pred.length;
  let total = 0;
  const dpred = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = pred[i] - target[i];
    total += d * d;
    dpred[i] = (2 * d) / n;
  }
  return { loss: total / n, dpred };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** BCE with logits, −[t·log σ(x) + (1 − t)·log(1 − σ(x))], in the form that stays finite. */
export function bceWithLogits(x: ArrayLike<number>, t: ArrayLike<number>) {
  const n = x.length;
  let total = 0;
  const dlogits = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    total += Math.max(x[i], 0) - x[i] * t[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
    dlogits[i] = (sigmoid(x[i]) - t[i]) / n;
  }
  return { loss: total / n, dlogits };
}

/** The textbook definition, for checking bceWithLogits where σ(x) is not 0 or 1 in float64. */
export function bceDefinition(x: ArrayLike<number>, t: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) total -= t[i] * Math.log(sigmoid(x[i])) + (1 - t[i]) * Math.log(1 - sigmoid(x[i]));
  return total / x.length;
}
