/**
 * @gan/nn: layers with explicit forward and backward (Linear, convolutions, batch norm,
 * activations, Sequential), GAN losses and initialisers, on @gan/tensor. What other packages use,
 * and nothing else.
 */
export { Activation, ReLU, Tanh } from './activation.ts';
export { BatchNorm, type BatchNormOptions } from './batch-norm.ts';
export {
  Conv2d,
  type Conv2dOptions,
  ConvTranspose2d,
  type ConvTranspose2dOptions,
  conv2dOutputSize,
  convTranspose2dOutputSize,
  type ImageShape,
} from './conv.ts';
export type { InitOptions } from './init.ts';
export type { BackwardOptions, Layer } from './layer.ts';
export { Linear } from './linear.ts';
export {
  articlePrintedDiscriminatorCost,
  binaryCrossEntropyWithLogits,
  type DiscriminatorLossKind,
  discriminatorLoss,
  type GeneratorLossKind,
  generatorLoss,
  isLogitOnlyLoss,
  type LogitOnlyLossKind,
  meanProbability,
} from './losses.ts';
export { type Parameter, zeroGrad } from './parameter.ts';
export { MINIBATCH_STD_EPS, MinibatchStd } from './minibatch-std.ts';
export { Sequential } from './sequential.ts';
export { softmax, softmaxCrossEntropy } from './softmax.ts';
export { type LayerBuffer, SPECTRAL_NORM_EPS, SpectralNormLinear } from './spectral-norm.ts';
