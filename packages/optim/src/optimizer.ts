import { allocate, backendFor, type FloatArray, type Tensor } from '@gan/tensor';
import { constantSchedule, type Schedule } from './schedules.ts';

/** What an optimiser updates: any `{ value, grad }` pair (nn's Parameter fits). */
export interface ParamRef {
  readonly name?: string;
  readonly value: Tensor;
  readonly grad: Tensor;
}

/**
 * Optimiser state as plain data: the number of updates done and named per-parameter slots
 * (Adam's `m` and `v`, SGD's momentum buffer), one array per parameter, of its dtype. Checkpoints store
 * it as it is.
 */
export interface OptimizerState {
  step: number;
  slots: Record<string, FloatArray[]>;
}

/**
 * An optimiser as an `init` / `update` pair over plain state (optax's GradientTransformation,
 * made in-place for speed: one fused kernel pass per parameter, no temporaries).
 */
export interface Optimizer {
  readonly name: string;
  /** Slot names this optimiser keeps per parameter. */
  readonly slotNames: readonly string[];
  init(params: readonly ParamRef[]): OptimizerState;
  /** Applies one update from the current gradients; returns the learning rate it used. */
  update(params: readonly ParamRef[], state: OptimizerState): number;
  /** The learning rate of update number `step` (from 0). */
  lr(step: number): number;
}

export interface AdamOptions {
  lr: number | Schedule;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /**
   * `standard`: m̂ = m / (1 - β1^t), v̂ = v / (1 - β2^t) (Kingma & Ba, t counted from 1).
   * `constant`: m / (1 - β1) and v / (1 - β2), as the article's hand-written Adam. At t = 1
   * both agree. For a steady gradient g the constant-corrected step is lr · (1-β1^t)/(1-β1) / sqrt((1-β2^t)/(1-β2))
   * times sign(g): about 2x the standard step around t = 10, equal near t = 100, and tending to
   * lr · sqrt(1-β2)/(1-β1) ≈ 0.32 lr once both moments are warm (β 0.9 / 0.999).
   */
  biasCorrection?: 'standard' | 'constant';
}

function toSchedule(lr: number | Schedule): Schedule {
  return typeof lr === 'number' ? constantSchedule(lr) : lr;
}

function zerosLike(params: readonly ParamRef[]): FloatArray[] {
  return params.map((p) => allocate(p.value.dtype, p.value.size));
}

function checkState(
  name: string,
  params: readonly ParamRef[],
  state: OptimizerState,
  slots: readonly string[],
): void {
  for (const s of slots) {
    const arr = state.slots[s];
    if (arr === undefined || arr.length !== params.length) {
      throw new Error(`${name}: state has no '${s}' slot for ${params.length} parameters`);
    }
    for (let i = 0; i < params.length; i++) {
      if (arr[i].length !== params[i].value.size) {
        throw new Error(
          `${name}: state slot '${s}' of parameter ${params[i].name ?? i} has ${arr[i].length} values, expected ${params[i].value.size}`,
        );
      }
    }
  }
}

/**
 * Adam (Kingma & Ba, 2015), one moment pair per parameter tensor:
 *
 * ```
 * m ← β1·m + (1-β1)·g
 * v ← β2·v + (1-β2)·g²
 * p ← p - lr · (m / c1) / (sqrt(v / c2) + eps)
 * ```
 * with `c1 = 1 - β1^t, c2 = 1 - β2^t` (standard) or `c1 = 1 - β1, c2 = 1 - β2` (constant).
 * NOTE: eps is added after the square root of the corrected v, as in PyTorch and the article.
 *
 * ```ts
 * const opt = adam({ lr: 2e-4, beta1: 0.5 });
 * const state = opt.init(params);
 * opt.update(params, state); // after backward
 * ```
 */
export function adam(opts: AdamOptions): Optimizer {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, biasCorrection = 'standard' } = opts;
  if (!(beta1 >= 0 && beta1 < 1)) throw new RangeError(`Adam: invalid beta parameter at index 0: ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new RangeError(`Adam: invalid beta parameter at index 1: ${beta2}`);
  if (!(eps >= 0)) throw new RangeError(`Adam: invalid epsilon value: ${eps}`);
  if (biasCorrection !== 'standard' && biasCorrection !== 'constant') {
    throw new RangeError(`Adam: invalid biasCorrection: ${biasCorrection} (expected standard or constant)`);
  }
  const schedule = toSchedule(opts.lr);
  if (typeof opts.lr === 'number') schedule(0); // validates a constant rate now
  const slotNames = ['m', 'v'] as const;
  return {
    name: 'adam',
    slotNames,
    lr: schedule,
    init: (params) => ({ step: 0, slots: { m: zerosLike(params), v: zerosLike(params) } }),
    update(params, state) {
      checkState('Adam', params, state, slotNames);
      const lr = schedule(state.step);
      const t = state.step + 1;
      const c1 = biasCorrection === 'standard' ? 1 - beta1 ** t : 1 - beta1;
      const c2 = biasCorrection === 'standard' ? 1 - beta2 ** t : 1 - beta2;
      const args = { lr, beta1, beta2, eps, c1, c2 };
      const { m, v } = state.slots;
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        backendFor(p.value.data).adam(p.value.data, p.grad.data, m[i], v[i], p.value.size, args);
      }
      state.step = t;
      return lr;
    },
  };
}

export interface SgdOptions {
  lr: number | Schedule;
  /** Heavy-ball momentum in [0, 1) (PyTorch's form: buf ← μ·buf + g). */
  momentum?: number;
  nesterov?: boolean;
}

/** Stochastic gradient descent, plain or with (Nesterov) momentum. */
export function sgd(opts: SgdOptions): Optimizer {
  const { momentum = 0, nesterov = false } = opts;
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`SGD: invalid momentum value: ${momentum}`);
  if (nesterov && momentum === 0) throw new RangeError('SGD: Nesterov momentum requires a momentum > 0');
  const schedule = toSchedule(opts.lr);
  if (typeof opts.lr === 'number') schedule(0);
  const slotNames = momentum > 0 ? ['momentum'] : [];
  return {
    name: momentum > 0 ? 'sgd-momentum' : 'sgd',
    slotNames,
    lr: schedule,
    init: (params) => {
      const slots: Record<string, FloatArray[]> = {};
      if (momentum > 0) slots.momentum = zerosLike(params);
      return { step: 0, slots };
    },
    update(params, state) {
      checkState('SGD', params, state, slotNames);
      const lr = schedule(state.step);
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        backendFor(p.value.data).sgd(
          p.value.data,
          p.grad.data,
          momentum > 0 ? state.slots.momentum[i] : null,
          p.value.size,
          lr,
          momentum,
          nesterov,
        );
      }
      state.step += 1;
      return lr;
    },
  };
}

export interface RmspropOptions {
  lr: number | Schedule;
  /** Decay of the running mean of squared gradients (PyTorch's `alpha`, default 0.99). */
  alpha?: number;
  eps?: number;
}

/**
 * RMSprop (Tieleman & Hinton 2012) in PyTorch's form (`torch.optim.RMSprop`, no momentum, not
 * centred), the optimiser of WGAN's reference code (Arjovsky et al. 2017,
 * `martinarjovsky/WassersteinGAN main.py`: lr 5e-5 with PyTorch's defaults alpha 0.99, eps 1e-8):
 *
 * ```
 * v ← α·v + (1-α)·g²
 * p ← p - lr · g / (sqrt(v) + eps)
 * ```
 * NOTE: a plain loop, not a backend kernel (only WGAN's recipe uses it).
 *
 * ```ts
 * const opt = rmsprop({ lr: 5e-5 });
 * const state = opt.init(params);
 * opt.update(params, state); // after backward
 * ```
 */
export function rmsprop(opts: RmspropOptions): Optimizer {
  const { alpha = 0.99, eps = 1e-8 } = opts;
  if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`RMSprop: invalid alpha value: ${alpha}`);
  if (!(eps >= 0)) throw new RangeError(`RMSprop: invalid epsilon value: ${eps}`);
  const schedule = toSchedule(opts.lr);
  if (typeof opts.lr === 'number') schedule(0);
  const slotNames = ['v'] as const;
  return {
    name: 'rmsprop',
    slotNames,
    lr: schedule,
    init: (params) => ({ step: 0, slots: { v: zerosLike(params) } }),
    update(params, state) {
      checkState('RMSprop', params, state, slotNames);
      const lr = schedule(state.step);
      const { v } = state.slots;
      for (let i = 0; i < params.length; i++) {
        const p = params[i].value.data;
        const g = params[i].grad.data;
        const vi = v[i];
        for (let j = 0; j < p.length; j++) {
          const gj = g[j];
          vi[j] = alpha * vi[j] + (1 - alpha) * gj * gj;
          p[j] -= (lr * gj) / (Math.sqrt(vi[j]) + eps);
        }
      }
      state.step += 1;
      return lr;
    },
  };
}

/**
 * Flattens optimiser state into named arrays for a checkpoint: `<prefix>.<slot>.<param name>`
 * (parameter index when unnamed), plus the step count.
 */
export function stateToArrays(
  state: OptimizerState,
  params: readonly ParamRef[],
  prefix: string,
): { step: number; arrays: Record<string, FloatArray> } {
  const arrays: Record<string, FloatArray> = {};
  for (const [slot, values] of Object.entries(state.slots)) {
    values.forEach((arr, i) => {
      arrays[`${prefix}.${slot}.${params[i].name ?? i}`] = arr;
    });
  }
  return { step: state.step, arrays };
}

/** The inverse of `stateToArrays`; throws naming the first missing or mis-sized array. */
export function stateFromArrays(
  optimizer: Optimizer,
  params: readonly ParamRef[],
  prefix: string,
  step: number,
  arrays: Record<string, FloatArray>,
): OptimizerState {
  const state = optimizer.init(params);
  state.step = step;
  for (const slot of optimizer.slotNames) {
    params.forEach((p, i) => {
      const key = `${prefix}.${slot}.${p.name ?? i}`;
      const arr = arrays[key];
      if (arr === undefined) throw new Error(`optimizer state: missing array '${key}'`);
      if (arr.length !== p.value.size) {
        throw new Error(`optimizer state: '${key}' has ${arr.length} values, expected ${p.value.size}`);
      }
      state.slots[slot][i].set(arr);
    });
  }
  return state;
}
