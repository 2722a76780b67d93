import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDiscriminatorLayers, checkGeneratorLayers, layerOp, showShape } from './architecture.ts';
import { displayPath } from './issues.ts';
import { loadConfig } from './load.ts';
import { CONFIGS_DIR, configErrorOf, tempConfigDir } from './test-helpers.ts';

const DCGAN = path.join(CONFIGS_DIR, 'dcgan.yaml');

/** A small config with these layer lists (YAML lines, indented under the list key). */
function withLayers(generator: string[], discriminator: string[], extra = ''): string {
  const list = (lines: string[]) => lines.map((l) => `      - ${l}`).join('\n');
  return (
    'data:\n  dataset: mnist\nmodel:\n  z:\n    size: 8\n' +
    `  generator:\n    layers:\n${list(generator)}\n` +
    `  discriminator:\n    layers:\n${list(discriminator)}\n${extra}`
  );
}

const G_OK = ['linear: 784', 'reshape: [1, 28, 28]', 'tanh'];
const D_OK = ['conv: { channels: 4, kernel: 4, stride: 2, padding: 1 }', 'leakyRelu', 'flatten', 'linear: 1'];

describe('layer lists', () => {
  it("resolve configs/dcgan.yaml's shapes and parameter counts as PyTorch would build them", () => {
    const { config } = loadConfig(DCGAN);
    const g = checkGeneratorLayers(config);
    const d = checkDiscriminatorLayers(config);
    expect(g.problem).toBeNull();
    expect(d.problem).toBeNull();
    expect(g.layers.map((l) => showShape(l.output))).toEqual([
      '[1024]',
      '[1024]',
      '[1024]',
      '[6272]',
      '[6272]',
      '[6272]',
      '[128, 7, 7]',
      '[64, 14, 14]',
      '[64, 14, 14]',
      '[64, 14, 14]',
      '[1, 28, 28]',
      '[1, 28, 28]',
    ]);
    expect(d.layers.map((l) => showShape(l.output))).toEqual([
      '[64, 14, 14]',
      '[64, 14, 14]',
      '[128, 7, 7]',
      '[128, 7, 7]',
      '[128, 7, 7]',
      '[6272]',
      '[1024]',
      '[1024]',
      '[1024]',
      '[1]',
    ]);
    // nn.Linear(100, 1024): 101 x 1024; BatchNorm1d(1024): 2 x 1024; ConvTranspose2d(128, 64, 4,
    // bias=False): 128 x 64 x 16; ConvTranspose2d(64, 1, 4): 64 x 16 + 1.
    expect(g.layers.map((l) => l.params)).toEqual([
      101 * 1024,
      2048,
      0,
      1025 * 6272,
      2 * 6272,
      0,
      0,
      128 * 64 * 16,
      128,
      0,
      64 * 16 + 1,
      0,
    ]);
    // Conv2d(1, 64, 4): 64 x 16 + 64; Conv2d(64, 128, 4, bias=False); Linear(6272, 1024); Linear(1024, 1).
    expect(d.layers.map((l) => l.params)).toEqual([
      64 * 16 + 64,
      0,
      64 * 128 * 16,
      256,
      0,
      0,
      6273 * 1024,
      2048,
      0,
      1025,
    ]);
  });

  it('give packing m times the channels at D input (PacGAN stacks samples along channels)', () => {
    const { config } = loadConfig(DCGAN, ['model.discriminator.packing=3']);
    const first = checkDiscriminatorLayers(config).layers[0];
    expect(first.input).toEqual([3, 28, 28]);
    expect(first.params).toBe(3 * 64 * 16 + 64);
  });

  it('read every way of writing a layer into one form', () => {
    expect(layerOp('leakyRelu')).toEqual({ kind: 'activation', activation: 'leakyRelu', slope: 0.2 });
    expect(layerOp({ leakyRelu: 0.1 })).toEqual({ kind: 'activation', activation: 'leakyRelu', slope: 0.1 });
    expect(layerOp('batchNorm')).toEqual({ kind: 'batchNorm', eps: 1e-5, momentum: 0.1 });
    expect(
      layerOp({ conv: { channels: 8, kernel: [3, 5], stride: 2, padding: [1, 2], bias: false } }),
    ).toEqual({
      kind: 'conv',
      channels: 8,
      kernel: [3, 5],
      stride: [2, 2],
      padding: [1, 2],
      outputPadding: [0, 0],
      bias: false,
    });
  });

  it('that do not fit are refused at the layer, with the shape that came in and what it takes', () => {
    const { write } = tempConfigDir();
    const cases: [string, string][] = [
      [
        withLayers(G_OK, ['conv: { channels: 4, kernel: 4, stride: 2, padding: 1 }', 'linear: 1']),
        '14:9: model.discriminator.layers[1]: linear takes flat features, got an image [4, 14, 14]: add flatten before it',
      ],
      [
        withLayers(['linear: 784', 'conv: { channels: 1, kernel: 3 }'], D_OK),
        '9:9: model.generator.layers[1]: conv takes an image [channels, height, width], got flat features [784]: add { reshape: [c, h, w] } before it',
      ],
      [
        withLayers(['linear: 784', 'reshape: [1, 28, 27]', 'tanh'], D_OK),
        '9:9: model.generator.layers[1]: reshape to [1, 28, 27] (756 values) does not fit its input [784] (784 values)',
      ],
      [
        withLayers(G_OK, ['conv: { channels: 4, kernel: 40 }', 'flatten', 'linear: 1']),
        '13:9: model.discriminator.layers[0]: conv with kernel 40x40, stride 1x1, padding 0x0 leaves no output of an image [1, 28, 28] (-11 x -11)',
      ],
      [
        withLayers(['linear: 196', 'reshape: [1, 14, 14]'], D_OK),
        '8:7: model.generator.layers: the generator ends in [1, 14, 14], but mnist samples are [1, 28, 28]',
      ],
      [
        withLayers(G_OK, ['flatten', 'linear: 2']),
        '13:7: model.discriminator.layers: the discriminator ends in [2], expected one logit: end it with { linear: 1 } (after flatten)',
      ],
      [
        withLayers(G_OK, ['cnv: { channels: 4, kernel: 4 }', 'flatten', 'linear: 1']),
        '13:9: model.discriminator.layers[0].cnv: unknown key (did you mean "conv"?)',
      ],
      [
        withLayers(G_OK, ['conv: { channels: 4, kernal: 4 }', 'flatten', 'linear: 1']),
        '13:9: model.discriminator.layers[0].conv.kernel: missing: expected an integer >= 1 or a list [height, width] of them',
      ],
      [
        withLayers([...G_OK.slice(0, 2), 'tnah'], D_OK),
        '10:9: model.generator.layers[2]: expected a layer: one of "relu", "leakyRelu", "tanh", "atan", "sigmoid", "identity", "batchNorm", "flatten", or a mapping with one of the keys "linear", "conv", "convTranspose", "batchNorm", "leakyRelu", "reshape", got "tnah" (did you mean "tanh"?)',
      ],
    ];
    for (const [i, [text, expected]] of cases.entries()) {
      const f = write(`c${i}.yaml`, text);
      const lines = configErrorOf(() => loadConfig(f)).message.split('\n');
      expect(lines[0]).toBe(`${displayPath(f)}:${expected}`);
    }
  });

  it('refuse the MLP-only options beside a layer list', () => {
    const { write } = tempConfigDir();
    const f = write('sn.yaml', withLayers(G_OK, D_OK, '    spectralNorm: true\n'));
    expect(configErrorOf(() => loadConfig(f)).message).toContain(
      "model.discriminator.spectralNorm: expected false with a layer list: spectral norm is built for the MLP's Linear layers",
    );
  });
});
