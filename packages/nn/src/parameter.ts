import { Tensor } from '@gan/tensor';

/** A trainable tensor and its gradient, which `backward` accumulates into (`+=`). */
export interface Parameter {
  /** Dotted name, unique within a network (`0.weight`, `2.bias`), as PyTorch's state_dict keys. */
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
}

export function parameter(name: string, value: Tensor): Parameter {
  return { name, value, grad: Tensor.zeros(value.shape, value.dtype) };
}

/** Sets every gradient to zero (before a new backward pass). */
export function zeroGrad(params: readonly Parameter[]): void {
  for (const p of params) p.grad.data.fill(0);
}

/** Number of scalars in a list of parameters. */
export function parameterCount(params: readonly Parameter[]): number {
  let n = 0;
  for (const p of params) n += p.value.size;
  return n;
}
