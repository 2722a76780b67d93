import { Rng, Tensor, type FloatArray } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../../../test-support/requirements.ts';
import { dotLoss, expectGradClose } from './gradcheck.test-util.ts';
import { zeroGrad } from './parameter.ts';
import { SpectralNormLinear } from './spectral-norm.ts';
import { runTorch, torch } from './torch.test-util.ts';

const rng = Rng.create(0, 'spectral-norm-test');

function layer(nIn: number, nOut: number): SpectralNormLinear {
  const fc = new SpectralNormLinear(nIn, nOut, 'fc');
  fc.resetParameters(rng, { scheme: 'xavier-uniform' });
  fc.bias.value.data.set(rng.normalTensor([nOut]).data);
  fc.resetU(rng);
  return fc;
}

/** The largest singular value of a small matrix, by many power iterations in float64. */
function trueSigma(w: FloatArray, nIn: number, nOut: number): number {
  let u = new Float64Array(nOut).fill(1);
  let s = 0;
  for (let it = 0; it < 500; it++) {
    const v = new Float64Array(nIn);
    for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) v[i] += w[i * nOut + o] * u[o];
    const nu = new Float64Array(nOut);
    for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) nu[o] += w[i * nOut + o] * v[i];
    s = Math.sqrt(Math.hypot(...nu));
    const n = Math.hypot(...nu);
    u = nu.map((a) => a / n);
  }
  return s;
}

describe('SpectralNormLinear', () => {
  it('divides W by its spectral norm, the estimate converging over forwards', () => {
    const fc = layer(6, 4);
    const x = rng.normalTensor([3, 6]);
    const want = trueSigma(fc.weight.value.data, 6, 4);
    fc.forward(x);
    const first = fc.sigma;
    for (let i = 0; i < 50; i++) fc.forward(x);
    expect(first).toBeLessThanOrEqual(want * (1 + 1e-5));
    expect(fc.sigma).toBeCloseTo(want, 4);
    // y = x·(W / σ) + b
    const y = fc.forward(x);
    const w = fc.weight.value.data;
    let y00 = fc.bias.value.data[0];
    for (let i = 0; i < 6; i++) y00 += (x.get(0, i) * w[i * 4]) / fc.sigma;
    expect(y.get(0, 0)).toBeCloseTo(y00, 5);
  });

  it('updates u once per forward, and holds it when powerIteration is false', () => {
    const fc = layer(5, 3);
    const x = rng.normalTensor([2, 5]);
    const u0 = Float32Array.from(fc.u.data);
    fc.forward(x);
    const u1 = Float32Array.from(fc.u.data);
    expect(u1).not.toEqual(u0);
    fc.powerIteration = false;
    fc.forward(x);
    expect(Float32Array.from(fc.u.data)).toEqual(u1);
    expect(fc.buffers().map((b) => b.name)).toEqual(['fc.weight_u']);
    expect(fc.buffers()[0].value).toBe(fc.u);
  });

  it('has gradients w.r.t. input, W (through σ, u and v fixed) and bias that match finite differences', () => {
    for (const [nIn, nOut] of [
      [7, 5],
      [3, 1],
    ]) {
      const fc = layer(nIn, nOut);
      const x = rng.normalTensor([4, nIn]);
      for (let i = 0; i < 3; i++) fc.forward(x); // u, v near the top singular pair, but not at it
      fc.powerIteration = false;
      const y = fc.forward(x);
      const r = rng.normalTensor(y.shape);
      zeroGrad(fc.parameters());
      const dx = Float32Array.from(fc.backward(r)!.data);
      const loss = () => dotLoss(fc.forward(x).data, r.data);
      const opts = { h: 5e-3, tol: 2e-3 };
      expectGradClose(`SN ${nIn}x${nOut} dx`, loss, x.data, dx, opts);
      for (const p of fc.parameters()) {
        expectGradClose(
          `SN ${nIn}x${nOut} d${p.name}`,
          loss,
          p.value.data,
          Float32Array.from(p.grad.data),
          opts,
        );
      }
    }
  });

  it("differs from the gradient that ignores σ's dependence on W", () => {
    // W̄'s gradient alone (G / σ) is wrong by the v uᵀ term: the check above would catch its loss.
    const fc = layer(4, 3);
    const x = rng.normalTensor([5, 4]);
    fc.forward(x);
    const r = rng.normalTensor([5, 3]);
    zeroGrad(fc.parameters());
    fc.backward(r);
    const g = Tensor.zeros([4, 3]);
    for (let i = 0; i < 4; i++)
      for (let o = 0; o < 3; o++) {
        let s = 0;
        for (let n = 0; n < 5; n++) s += x.get(n, i) * r.get(n, o);
        g.set(s / fc.sigma, i, o);
      }
    let diff = 0;
    for (let k = 0; k < 12; k++) diff += Math.abs(g.data[k] - fc.weight.grad.data[k]);
    expect(diff).toBeGreaterThan(1e-3);
  });
});

/** torch.nn.utils.spectral_norm on an nn.Linear (weight = our Wᵀ), u set to ours, in float64. */
const TORCH_SN = `
import json, sys, torch
a = json.load(sys.stdin)
w = torch.tensor(a['w'], dtype=torch.float64)  # ours: [in, out]
n_in, n_out = w.shape
fc = torch.nn.Linear(n_in, n_out).double()
with torch.no_grad():
    fc.weight.copy_(w.t())
    fc.bias.copy_(torch.tensor(a['b'], dtype=torch.float64))
fc = torch.nn.utils.spectral_norm(fc, n_power_iterations=1, eps=1e-12)
with torch.no_grad():
    fc.weight_u.copy_(torch.tensor(a['u'], dtype=torch.float64))
fc.train()
out = []
for step in a['steps']:
    x = torch.tensor(step['x'], dtype=torch.float64, requires_grad=True)
    fc.zero_grad()
    y = fc(x)
    (y * torch.tensor(step['r'], dtype=torch.float64)).sum().backward()
    out.append({'y': y.detach().flatten().tolist(), 'dx': x.grad.flatten().tolist(),
                'dw': fc.weight_orig.grad.t().flatten().tolist(), 'db': fc.bias.grad.tolist(),
                'u': fc.weight_u.tolist()})
print(json.dumps(out))
`;

describeWith(torch, 'SpectralNormLinear against torch.nn.utils.spectral_norm', () => {
  it('gives the same outputs, gradients and u over several forwards from the same u', () => {
    const fc = layer(6, 4);
    const w = Tensor.fromArray(fc.weight.value.toArray());
    const steps = [0, 1, 2].map(() => ({ x: rng.normalTensor([3, 6]), r: rng.normalTensor([3, 4]) }));
    const want = runTorch<{ y: number[]; dx: number[]; dw: number[]; db: number[]; u: number[] }[]>(
      TORCH_SN,
      {
        w: w.toArray(),
        b: Array.from(fc.bias.value.data),
        u: Array.from(fc.u.data),
        steps: steps.map((s) => ({ x: s.x.toArray(), r: s.r.toArray() })),
      },
    );
    steps.forEach((s, k) => {
      zeroGrad(fc.parameters());
      const y = fc.forward(s.x);
      const dx = fc.backward(s.r)!;
      const close = (what: string, ours: ArrayLike<number>, theirs: number[], digits: number) => {
        expect(theirs.length, what).toBe(ours.length);
        theirs.forEach((v, i) => expect(ours[i], `${what}[${i}] at forward ${k}`).toBeCloseTo(v, digits));
      };
      close('y', y.data, want[k].y, 5);
      close('u', fc.u.data, want[k].u, 5);
      close('dx', dx.data, want[k].dx, 4);
      close('dW', fc.weight.grad.data, want[k].dw, 4);
      close('db', fc.bias.grad.data, want[k].db, 5);
    });
  }, 120_000); // importing torch takes seconds
});
