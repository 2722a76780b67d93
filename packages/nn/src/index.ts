/**
 * @gan/nn: layers with explicit forward and backward (Linear, activations, Sequential), GAN
 * losses and initialisers, on @gan/tensor.
 */
export * from './activation.ts';
export * from './init.ts';
export type { BackwardOptions, Layer } from './layer.ts';
export * from './linear.ts';
export * from './losses.ts';
export * from './parameter.ts';
export * from './sequential.ts';
export * from './softmax.ts';
