/**
 * Why the decay trick's samples are all one image (README, "Results"): the article's init,
 * He-normal x 0.002, shrinks the signal from z by about 0.003 per layer, so after the decay
 * generator's seven layers z leaves no trace in float32 and G's output is a function of its biases.
 */
import path from 'node:path';
import type { Linear } from '@gan/nn';
import { Rng, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { CONFIGS_DIR } from '../config/test-helpers.ts';
import { buildModels, initModels } from './model.ts';

/** G's outputs for 8 different z, weights from the config's own initialisation, biases random. */
function outputsAtInit(config: string, overrides: string[] = []): Float32Array {
  const { config: c } = loadConfig(path.join(CONFIGS_DIR, config), overrides);
  const models = buildModels(c, 784);
  initModels(models, c, Rng.create(c.seed, 'init-g'), Rng.create(c.seed, 'init-d'));
  const z = Tensor.zeros([8, c.model.z.size]);
  Rng.create(1, 'z-test').fillUniform(z.data, -1, 1);
  // Non-zero biases, as after training: the output is then not the trivial sigmoid(0) = 0.5.
  const biasRng = Rng.create(2, 'bias');
  for (const l of models.generatorWeighted as Linear[]) biasRng.fillUniform(l.bias.value.data, -0.5, 0.5);
  return Float32Array.from(models.generator.forward(z).data);
}

/** The largest difference, over pixels, between any two of the 8 samples. */
function spreadAcrossZ(out: Float32Array): number {
  let spread = 0;
  for (let j = 0; j < 784; j++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < 8; i++) {
      lo = Math.min(lo, out[i * 784 + j]);
      hi = Math.max(hi, out[i * 784 + j]);
    }
    spread = Math.max(spread, hi - lo);
  }
  return spread;
}

describe('the article initialisation through a deep generator', () => {
  it('makes the decay generator ignore z: 8 different z give bit-identical images', () => {
    const out = outputsAtInit('decay.yaml');
    expect(spreadAcrossZ(out)).toBe(0);
    // ...and the image is not flat: it is the biases' pattern, the one "digit" of every sample.
    expect(Math.max(...out) - Math.min(...out)).toBeGreaterThan(0.01);
  });

  it('lets z through with plain He-normal init (gain 1)', () => {
    expect(spreadAcrossZ(outputsAtInit('decay.yaml', ['model.init.gain=1']))).toBeGreaterThan(0.01);
  });
});
