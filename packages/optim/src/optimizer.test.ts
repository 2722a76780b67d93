import { Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import {
  adam,
  type Optimizer,
  type ParamRef,
  rmsprop,
  sgd,
  stateFromArrays,
  stateToArrays,
} from './optimizer.ts';
import { stepSchedule } from './schedules.ts';

function param(values: number[], name = 'p'): ParamRef {
  return { name, value: Tensor.fromArray(values), grad: Tensor.zeros([values.length]) };
}

/** Runs `opt` over a fixed list of gradients and returns the parameter after each update. */
function trajectory(opt: Optimizer, start: number[], grads: number[][]): number[][] {
  const p = param(start);
  const state = opt.init([p]);
  return grads.map((g) => {
    p.grad.data.set(g);
    opt.update([p], state);
    return Array.from(p.value.data);
  });
}

const grads = [
  [0.1, -0.2, 0.3],
  [-0.4, 0.5, 0],
  [0.2, 0.2, -1],
];
const start = [0.5, -1, 2];

describe('Adam', () => {
  // Expected values worked out by hand in float64 from the update rule (lr 0.01, β 0.9/0.999,
  // eps 1e-8). Step 1 is the same for both variants: m/c1 = g and v/c2 = g², so p -= lr·sign(g).
  it('follows Kingma & Ba with standard bias correction for several steps', () => {
    const expected = [
      [0.4900000009999999, -0.9900000004999999, 1.9900000003333334],
      [0.4955950357485128, -0.9944221530217232, 1.9832994181079155],
      [0.49669677234642673, -0.999851582812819, 1.9879316748339888],
    ];
    const got = trajectory(adam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 }), start, grads);
    got.forEach((row, t) => row.forEach((v, i) => expect(v).toBeCloseTo(expected[t][i], 6)));
  });

  it("follows the article's constant bias correction (m/(1-β1), v/(1-β2)) for several steps", () => {
    const expected = [
      [0.4900000009999999, -0.9900000004999999, 1.9900000003333334],
      [0.49751882633894184, -0.9959426610641061, 1.9809954972558186],
      [0.4992434868917821, -1.0044419006941798, 1.9882468406255893],
    ];
    const opt = adam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, biasCorrection: 'constant' });
    const got = trajectory(opt, start, grads);
    got.forEach((row, t) => row.forEach((v, i) => expect(v).toBeCloseTo(expected[t][i], 6)));
  });

  it('uses the schedule of the update number and reports it', () => {
    const opt = adam({ lr: stepSchedule(1e-3, [{ step: 1, factor: 0.01 }]) });
    const p = param([1]);
    const state = opt.init([p]);
    p.grad.data[0] = 1;
    expect(opt.update([p], state)).toBe(1e-3);
    expect(opt.update([p], state)).toBeCloseTo(1e-5, 12);
    expect(state.step).toBe(2);
  });

  it('validates hyperparameters with exact messages', () => {
    expect(() => adam({ lr: 0.1, beta1: 1.2 })).toThrow('Adam: invalid beta parameter at index 0: 1.2');
    expect(() => adam({ lr: 0.1, beta2: -0.1 })).toThrow('Adam: invalid beta parameter at index 1: -0.1');
    expect(() => adam({ lr: -1 })).toThrow('invalid learning rate: -1');
    expect(() => adam({ lr: 0.1, eps: -1 })).toThrow('Adam: invalid epsilon value: -1');
    expect(() => adam({ lr: 0.1, biasCorrection: 'nope' as 'standard' })).toThrow(/standard or constant/);
  });

  it('round-trips its state through named arrays and continues identically', () => {
    const opt = adam({ lr: 0.01 });
    const a = param([1, 2, 3], 'w');
    const b = param([1, 2, 3], 'w');
    const sa = opt.init([a]);
    a.grad.data.set([0.1, 0.2, 0.3]);
    opt.update([a], sa);
    b.value.data.set(a.value.data);
    const saved = stateToArrays(sa, [a], 'g');
    expect(Object.keys(saved.arrays).sort()).toEqual(['g.m.w', 'g.v.w']);
    const sb = stateFromArrays(opt, [b], 'g', saved.step, saved.arrays);
    for (const [p, s] of [
      [a, sa],
      [b, sb],
    ] as const) {
      p.grad.data.set([-0.3, 0.1, 0.5]);
      opt.update([p], s);
    }
    expect(Array.from(b.value.data)).toEqual(Array.from(a.value.data));
    expect(() => stateFromArrays(opt, [b], 'x', 1, saved.arrays)).toThrow("missing array 'x.m.w'");
  });

  it('rejects state that does not fit the parameters', () => {
    const opt = adam({ lr: 0.01 });
    const state = opt.init([param([1, 2])]);
    expect(() => opt.update([param([1, 2, 3])], state)).toThrow(/has 2 values, expected 3/);
  });
});

describe('SGD', () => {
  it('takes plain gradient steps', () => {
    const got = trajectory(sgd({ lr: 0.5 }), [1, 1, 1], grads);
    expect(got[0][0]).toBeCloseTo(1 - 0.05, 7);
    expect(got[2][2]).toBeCloseTo(1 - 0.5 * (0.3 + 0 - 1), 7);
  });

  it('accumulates heavy-ball momentum as PyTorch does (buf = μ·buf + g)', () => {
    const got = trajectory(sgd({ lr: 0.1, momentum: 0.9 }), [0, 0, 0], grads);
    // buf1 = g1, buf2 = 0.9 g1 + g2, buf3 = 0.9 buf2 + g3
    const b1 = grads[0][0];
    const b2 = 0.9 * b1 + grads[1][0];
    const b3 = 0.9 * b2 + grads[2][0];
    expect(got[2][0]).toBeCloseTo(-0.1 * (b1 + b2 + b3), 6);
  });

  it('supports Nesterov momentum: p -= lr·(g + μ·buf)', () => {
    const got = trajectory(sgd({ lr: 0.1, momentum: 0.5, nesterov: true }), [0, 0, 0], grads.slice(0, 2));
    const b1 = grads[0][0];
    const b2 = 0.5 * b1 + grads[1][0];
    expect(got[1][0]).toBeCloseTo(-0.1 * (grads[0][0] + 0.5 * b1) - 0.1 * (grads[1][0] + 0.5 * b2), 6);
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow(/requires a momentum/);
    expect(() => sgd({ lr: 0.1, momentum: 1 })).toThrow('SGD: invalid momentum value: 1');
  });
});

describe('RMSprop', () => {
  it("follows PyTorch's update (v = α·v + (1-α)·g², p -= lr·g / (sqrt(v) + eps)) for several steps", () => {
    const got = trajectory(rmsprop({ lr: 0.01, alpha: 0.9, eps: 1e-8 }), start, grads);
    // Worked out in float64 from the rule, component by component.
    const v = [0, 0, 0];
    const p = [...start];
    grads.forEach((g, t) => {
      for (let i = 0; i < 3; i++) {
        v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i];
        p[i] -= (0.01 * g[i]) / (Math.sqrt(v[i]) + 1e-8);
      }
      got[t].forEach((value, i) => expect(value).toBeCloseTo(p[i], 6));
    });
    // Step 1: v = (1-α)g², so the step is lr·sign(g)/sqrt(1-α).
    expect(got[0][0]).toBeCloseTo(start[0] - 0.01 / Math.sqrt(0.1), 6);
  });

  it('validates its hyperparameters and round-trips its state', () => {
    expect(() => rmsprop({ lr: 0.1, alpha: 1 })).toThrow('RMSprop: invalid alpha value: 1');
    expect(() => rmsprop({ lr: 0.1, eps: -1 })).toThrow('RMSprop: invalid epsilon value: -1');
    const opt = rmsprop({ lr: 0.01 });
    const a = param([1, 2], 'w');
    const state = opt.init([a]);
    a.grad.data.set([0.5, -0.5]);
    opt.update([a], state);
    const saved = stateToArrays(state, [a], 'd');
    expect(Object.keys(saved.arrays)).toEqual(['d.v.w']);
    const back = stateFromArrays(opt, [a], 'd', saved.step, saved.arrays);
    expect(Array.from(back.slots.v[0])).toEqual(Array.from(state.slots.v[0]));
  });
});
