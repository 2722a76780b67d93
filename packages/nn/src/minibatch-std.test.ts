import { Rng, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../../../test-support/requirements.ts';
import { dotLoss, expectGradClose } from './gradcheck.test-util.ts';
import { MinibatchStd } from './minibatch-std.ts';
import { runTorch, torch } from './torch.test-util.ts';

const rng = Rng.create(0, 'minibatch-std-test');

/** dL/dx of L = Σ r·layer(x), from the layer's backward and from finite differences. */
function checkGrad(layer: MinibatchStd, x: Tensor): Float32Array {
  const y = layer.forward(x);
  const r = rng.normalTensor(y.shape);
  const dx = Float32Array.from(layer.backward(r)!.data);
  expectGradClose('MinibatchStd dx', () => dotLoss(layer.forward(x).data, r.data), x.data, dx, {
    h: 5e-3,
    tol: 2e-3,
  });
  return dx;
}

describe('MinibatchStd', () => {
  it("appends each strided group's mean feature std (ProGAN's grouping: rows m, m + M, ...)", () => {
    // 4 rows, groups of 2: M = 2, so rows {0, 2} and {1, 3} are groups.
    const x = Tensor.fromArray([
      [0, 0],
      [1, 1],
      [2, 4],
      [1, 1],
    ]);
    const y = new MinibatchStd(2).forward(x);
    expect(y.shape).toEqual([4, 3]);
    // Group {0, 2}: stds (1, 2), mean 1.5; group {1, 3}: stds (0, 0) -> sqrt(1e-8) = 1e-4.
    expect(y.get(0, 2)).toBeCloseTo(1.5, 6);
    expect(y.get(2, 2)).toBeCloseTo(1.5, 6);
    expect(y.get(1, 2)).toBeCloseTo(1e-4, 8);
    expect(y.get(3, 2)).toBeCloseTo(1e-4, 8);
    expect(Array.from(y.data.subarray(0, 2))).toEqual([0, 0]);
  });

  it('keeps segments apart: real and fake rows never share a group', () => {
    const x = rng.normalTensor([8, 3]);
    const whole = Float32Array.from(new MinibatchStd(2, { segmentRows: 4 }).forward(x).data);
    const top = new MinibatchStd(2).forward(x.rows(0, 4));
    const bottom = new MinibatchStd(2).forward(x.rows(4, 8));
    expect(whole).toEqual(Float32Array.from([...top.data, ...bottom.data]));
  });

  it('takes the whole batch as one group when it has fewer rows than groupSize', () => {
    const y = new MinibatchStd(4).forward(Tensor.fromArray([[1], [3]]));
    expect(y.get(0, 1)).toBeCloseTo(1, 6);
    expect(y.get(1, 1)).toBeCloseTo(1, 6);
  });

  it('has a gradient w.r.t. its input, reaching every group member, that matches finite differences', () => {
    checkGrad(new MinibatchStd(4), rng.normalTensor([8, 5]));
    checkGrad(new MinibatchStd(2, { segmentRows: 4 }), rng.normalTensor([8, 3]));
    // Only σ̄ gets a gradient: dx is then all cross-row terms, nonzero for every row of the group.
    const layer = new MinibatchStd(4);
    const x = rng.normalTensor([4, 3]);
    layer.forward(x);
    const dy = Tensor.zeros([4, 4]);
    dy.set(1, 0, 3);
    const dx = layer.backward(dy)!;
    for (let r = 0; r < 4; r++) expect(Math.abs(dx.get(r, 0)) + Math.abs(dx.get(r, 1))).toBeGreaterThan(0);
  });

  it('refuses a batch the group size does not divide, and a bad group size', () => {
    expect(() => new MinibatchStd(4).forward(Tensor.zeros([6, 2]))).toThrow(
      /a batch of 6 rows does not split into segments of 6 rows and groups of 4/,
    );
    expect(() => new MinibatchStd(0)).toThrow(/groupSize must be an integer >= 1, got 0/);
    expect(() => new MinibatchStd(2, { segmentRows: 1.5 })).toThrow(/segmentRows must be an integer/);
  });
});

/** ProGAN's `minibatch_stddev_layer`, transcribed to torch for an MLP's [N, C] input, in float64. */
const TORCH_MBSTD = `
import json, sys, torch
def mbstd(x, group_size):
    g = min(group_size, x.shape[0])
    y = x.reshape(g, -1, x.shape[1])          # [G, M, C]: group members strided
    y = y - y.mean(dim=0, keepdim=True)
    y = (y.square().mean(dim=0) + 1e-8).sqrt() # [M, C]
    y = y.mean(dim=1, keepdim=True)            # [M, 1]
    y = y.repeat(g, 1)                         # [N, 1]
    return torch.cat([x, y], dim=1)
res = []
for a in json.load(sys.stdin):
    x = torch.tensor(a['x'], dtype=torch.float64, requires_grad=True)
    n = x.shape[0]
    seg = min(a['segmentRows'], n)
    out = torch.cat([mbstd(x[s:s + seg], a['groupSize']) for s in range(0, n, seg)], dim=0)
    (out * torch.tensor(a['r'], dtype=torch.float64)).sum().backward()
    res.append({'y': out.detach().flatten().tolist(), 'dx': x.grad.flatten().tolist()})
print(json.dumps(res))
`;

describeWith(torch, 'MinibatchStd against PyTorch', () => {
  it("gives the same forward and backward (torch autograd of ProGAN's formula)", () => {
    const cases = [
      { n: 8, c: 5, groupSize: 4, segmentRows: 8 },
      { n: 12, c: 3, groupSize: 2, segmentRows: 6 },
      { n: 6, c: 4, groupSize: 8, segmentRows: 3 },
      { n: 16, c: 7, groupSize: 4, segmentRows: 8 },
    ].map((c) => {
      const layer = new MinibatchStd(c.groupSize, { segmentRows: c.segmentRows });
      const x = rng.normalTensor([c.n, c.c]);
      const y = Float32Array.from(layer.forward(x).data);
      const r = rng.normalTensor([c.n, c.c + 1]);
      const dx = Float32Array.from(layer.backward(r)!.data);
      return { ...c, x, r, y, dx };
    });
    const want = runTorch<{ y: number[]; dx: number[] }[]>(
      TORCH_MBSTD,
      cases.map((c) => ({
        x: c.x.toArray(),
        r: c.r.toArray(),
        groupSize: c.groupSize,
        segmentRows: c.segmentRows,
      })),
    );
    cases.forEach((c, k) => {
      const what = `N ${c.n}, C ${c.c}, group ${c.groupSize}, segment ${c.segmentRows}`;
      expect(want[k].y.length, what).toBe(c.y.length);
      want[k].y.forEach((v, i) => expect(c.y[i], `${what}: y[${i}]`).toBeCloseTo(v, 5));
      want[k].dx.forEach((v, i) => expect(c.dx[i], `${what}: dx[${i}]`).toBeCloseTo(v, 4));
    });
  }, 120_000);
});
