/**
 * Training the MNIST classifier from scratch with this project's own layers and Adam, on the
 * 60,000 training images at unit scale (0..1). Deterministic given its config and the backend.
 */
import { gatherRows, loadMnist, MNIST_CLASSES, MNIST_PIXELS } from '@gan/data';
import { Linear, softmaxCrossEntropy, zeroGrad } from '@gan/nn';
import { adam, cosineSchedule } from '@gan/optim';
import { backend, Rng, Tensor } from '@gan/tensor';
import {
  type ClassifierConfig,
  checkClassifierConfig,
  correctCount,
  MnistClassifier,
  type TrainingReport,
} from './classifier.ts';

/** One line of training progress. */
export type ProgressLog = (line: string) => void;

const stderrLog: ProgressLog = (line) => process.stderr.write(`${line}\n`);

/**
 * Trains a classifier from scratch (no cache), reporting one line per epoch: loss, training
 * accuracy (running, over the epoch's batches), test accuracy, seconds so far. Deterministic given
 * the config and the backend.
 *
 * ```ts
 * const { classifier, report } = trainClassifier({ ...DEFAULT_CLASSIFIER, epochs: 1, trainLimit: 5000 });
 * report.testAccuracy; // fraction of the 10,000 test images classified correctly
 * ```
 */
export function trainClassifier(
  config: ClassifierConfig,
  log: ProgressLog = stderrLog,
): { classifier: MnistClassifier; report: TrainingReport } {
  checkClassifierConfig(config);
  const started = performance.now();
  const train = loadMnist({ split: 'train', scaling: 'unit' });
  const test = loadMnist({ split: 'test', scaling: 'unit' });
  const n =
    config.trainLimit === null ? train.labels.length : Math.min(config.trainLimit, train.labels.length);

  const clf = new MnistClassifier(config);
  const initRng = Rng.create(config.seed, 'classifier-init');
  for (const l of clf.net.layers)
    if (l instanceof Linear) l.resetParameters(initRng, { scheme: 'he-normal' });
  const params = clf.net.parameters();
  const stepsPerEpoch = Math.ceil(n / config.batchSize);
  const opt = adam({ lr: cosineSchedule(config.lr, stepsPerEpoch * config.epochs) });
  const state = opt.init(params);
  const shuffleRng = Rng.create(config.seed, 'classifier-shuffle');
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;

  const hidden = config.hidden.join('-');
  log(
    `classifier: training MLP 784-${hidden}-10 on ${n} MNIST training images, ${config.epochs} epochs, ` +
      `batch ${config.batchSize}, Adam ${config.lr} (cosine), backend ${backend().name}`,
  );
  let finalLoss = Number.NaN;
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    shuffleRng.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < n; start += config.batchSize) {
      const idx = order.subarray(start, Math.min(n, start + config.batchSize));
      const b = idx.length;
      const x = gatherRows(train.images, idx, Tensor.zeros([b, MNIST_PIXELS]));
      const y = new Uint8Array(b);
      for (let i = 0; i < b; i++) y[i] = train.labels[idx[i]];
      const logits = clf.net.forward(x);
      const grad = Tensor.zeros([b, MNIST_CLASSES]);
      lossSum += softmaxCrossEntropy(logits, y, grad) * b;
      correct += correctCount(logits, y);
      zeroGrad(params);
      clf.net.backward(grad, { inputGrad: false });
      opt.update(params, state);
    }
    finalLoss = lossSum / n;
    const testAcc = clf.accuracy(test.images, test.labels);
    const seconds = (performance.now() - started) / 1000;
    log(
      `classifier: epoch ${epoch}/${config.epochs} loss=${finalLoss.toFixed(4)} ` +
        `train_acc=${(correct / n).toFixed(4)} test_acc=${testAcc.toFixed(4)} elapsed_s=${seconds.toFixed(1)}`,
    );
  }
  const report: TrainingReport = {
    testAccuracy: clf.accuracy(test.images, test.labels),
    trainAccuracy: clf.accuracy(train.images.rows(0, n), train.labels.subarray(0, n)),
    finalLoss,
    trainSeconds: (performance.now() - started) / 1000,
    trainedAt: new Date().toISOString(),
    backend: backend().name,
  };
  return { classifier: clf, report };
}
