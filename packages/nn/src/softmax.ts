import { formatShape, ShapeError, Tensor } from '@gan/tensor';

/**
 * Softmax over the classes and the multi-class cross-entropy on logits, for classifiers (the
 * evaluation's MNIST classifier). Both shift each row by its maximum before exponentiating, so no
 * logit overflows `exp`; sums are accumulated in float64.
 */

function checkLogits(op: string, logits: Tensor): [batch: number, classes: number] {
  if (logits.rank !== 2 || logits.shape[0] < 1 || logits.shape[1] < 1) {
    throw new ShapeError(
      `${op}: expected logits [batch,classes] with batch, classes >= 1, got ${formatShape(logits.shape)}`,
    );
  }
  return [logits.shape[0], logits.shape[1]];
}

/**
 * Row-wise softmax: `p[b,c] = exp(l[b,c] - m_b) / Σ_k exp(l[b,k] - m_b)` with `m_b = max_k l[b,k]`
 * (the shift changes nothing mathematically and keeps `exp` finite).
 *
 * ```ts
 * softmax(Tensor.fromArray([[0, Math.log(3)]])); // [[0.25, 0.75]]
 * ```
 * @param logits `[batch, classes]`
 * @param out `[batch, classes]`, written in place when given (may be `logits` itself)
 */
export function softmax(logits: Tensor, out?: Tensor): Tensor {
  const [b, c] = checkLogits('softmax', logits);
  const res = out ?? Tensor.zeros([b, c]);
  if (res.rank !== 2 || res.shape[0] !== b || res.shape[1] !== c) {
    throw new ShapeError(
      `softmax: out shape ${formatShape(res.shape)} does not match logits ${formatShape(logits.shape)}`,
    );
  }
  const l = logits.data;
  const p = res.data;
  for (let i = 0; i < b; i++) {
    const o = i * c;
    let m = l[o];
    for (let k = 1; k < c; k++) if (l[o + k] > m) m = l[o + k];
    let s = 0;
    for (let k = 0; k < c; k++) {
      const e = Math.exp(l[o + k] - m);
      p[o + k] = e;
      s += e;
    }
    for (let k = 0; k < c; k++) p[o + k] /= s;
  }
  return res;
}

/**
 * Mean cross-entropy of softmax(logits) against integer class labels:
 *
 * ```
 * L = (1/B) Σ_b [ log Σ_k exp(l[b,k]) - l[b,y_b] ]      (log-sum-exp shifted by the row max)
 * dL/dl[b,c] = (softmax(l)[b,c] - [c = y_b]) / B
 * ```
 *
 * ```ts
 * const grad = Tensor.zeros(logits.shape);
 * const loss = softmaxCrossEntropy(logits, labels, grad); // then net.backward(grad)
 * ```
 * @param logits `[batch, classes]`
 * @param labels `batch` class indices in `0..classes-1`
 * @param grad `[batch, classes]`: receives dL/dlogits when given (overwritten, not accumulated)
 * @returns the loss, a mean over the batch (nats)
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Uint8Array | Int32Array, grad?: Tensor): number {
  const [b, c] = checkLogits('softmaxCrossEntropy', logits);
  if (labels.length !== b) {
    throw new ShapeError(
      `softmaxCrossEntropy: ${labels.length} labels for a batch of ${b} (logits ${formatShape(logits.shape)})`,
    );
  }
  if (grad !== undefined && (grad.rank !== 2 || grad.shape[0] !== b || grad.shape[1] !== c)) {
    throw new ShapeError(
      `softmaxCrossEntropy: gradient shape ${formatShape(grad.shape)} does not match logits ${formatShape(logits.shape)}`,
    );
  }
  const l = logits.data;
  const g = grad?.data;
  let total = 0;
  for (let i = 0; i < b; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < c) || !Number.isInteger(y)) {
      throw new RangeError(`softmaxCrossEntropy: label ${y} at index ${i} is outside 0..${c - 1}`);
    }
    const o = i * c;
    let m = l[o];
    for (let k = 1; k < c; k++) if (l[o + k] > m) m = l[o + k];
    let s = 0;
    for (let k = 0; k < c; k++) s += Math.exp(l[o + k] - m);
    const lse = m + Math.log(s);
    total += lse - l[o + y];
    if (g !== undefined) {
      for (let k = 0; k < c; k++) g[o + k] = Math.exp(l[o + k] - lse) / b;
      g[o + y] -= 1 / b;
    }
  }
  return total / b;
}
