/**
 * A run's generator in the page: a checkpoint's weights (safetensors, as the server sends the
 * file) loaded into the generator @gan/training builds from the run's config (its layers, on
 * @gan/tensor's TypeScript reference backend), z drawn from
 * a seed exactly as `pnpm sample --seed` draws it, and the output turned into grey levels as
 * @gan/training's `displayPixels` does. Same code, same PRNG, same backend: the same image.
 */
import { stretchToPixels } from '@gan/data/pixels';
import { scatterPixels } from '@gan/data/scatter';
import type { Sequential } from '@gan/nn';
import { dtypeOf, type FloatArray, Rng, Tensor } from '@gan/tensor';
import { buildGenerator } from '@gan/training/model';
import type { GeneratorSpec } from '../shared/api.ts';

/** Tensors of a safetensors file: name -> float32 (F32) or float64 (F64) values and shape. */
export type Tensors = Map<string, { shape: number[]; data: FloatArray }>;

/** Parses a safetensors file (8-byte little-endian header length, JSON header, raw data). */
export function parseSafetensors(bytes: ArrayBuffer): Tensors {
  const view = new DataView(bytes);
  if (bytes.byteLength < 8) throw new Error('not a safetensors file: too short');
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.byteLength) throw new Error('not a safetensors file: header past the end');
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(bytes, 8, headerLength))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const start = 8 + headerLength;
  const out: Tensors = new Map();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__' || (t.dtype !== 'F32' && t.dtype !== 'F64')) continue;
    const [b, e] = t.data_offsets;
    // A copy: the data of a tensor need not be aligned in the file.
    const raw = bytes.slice(start + b, start + e);
    out.set(name, {
      shape: t.shape,
      data: t.dtype === 'F64' ? new Float64Array(raw) : new Float32Array(raw),
    });
  }
  return out;
}

/** A generator ready to draw. */
export class PageGenerator {
  private readonly net: Sequential;

  constructor(
    readonly spec: GeneratorSpec,
    tensors: Tensors,
  ) {
    const { net, buffers } = buildGenerator(spec.config, spec.dataDim);
    for (const { name, value } of [
      ...net.parameters().map((p) => ({ name: p.name, value: p.value })),
      ...buffers,
    ]) {
      const t = tensors.get(name);
      if (!t) throw new Error(`the checkpoint has no tensor '${name}'`);
      if (dtypeOf(t.data) !== value.dtype)
        throw new Error(`'${name}' is ${dtypeOf(t.data)}, the model is ${value.dtype} (train.precision)`);
      if (t.data.length !== value.size)
        throw new Error(`'${name}' has ${t.data.length} values, the model needs ${value.size}`);
      value.data.set(t.data);
    }
    // Sampling mode, as pnpm sample: batch norm with its running statistics.
    net.setTraining(false);
    this.net = net;
  }

  /** True for a 2-D point set (one sample is a cloud of 512 points). */
  get points(): boolean {
    return this.spec.height === 1;
  }

  /** The z `pnpm sample --seed` draws: one row (512 for 2-D data), from the stream 'sample'. */
  z(seed: number): Tensor {
    const z = Tensor.zeros([this.points ? 512 : 1, this.spec.zSize]);
    const rng = Rng.create(seed, 'sample');
    if (this.spec.zDistribution === 'uniform') rng.fillUniform(z.data, -1, 1);
    else rng.fillNormal(z.data, 0, 1);
    return z;
  }

  /** G(z) for a batch of z rows (drawn in float32 and converted, as the trainer's `generate`). */
  generate(z: Tensor): Tensor {
    return this.net.forward(z.to(this.spec.config.train.precision)).clone();
  }

  /** The grey image of a seed (28x28 for MNIST; a 112x112 scatter plot for 2-D data). */
  image(seed: number): GrayImage {
    return this.picture(this.generate(this.z(seed)));
  }

  /** The images of `z` rows (one per row; for 2-D data, all rows as one scatter plot). */
  picture(out: Tensor): GrayImage {
    if (this.points) return scatterPixels(out.data, out.shape[0], this.spec.mixture);
    const { width, height } = this.spec;
    const px = this.pixels(out);
    if ((this.spec.channels ?? 1) === 1) return { gray: px, width, height: height * out.shape[0] };
    // Channel-major images one below the other, as interleaved RGB (gray: the luma, unused here).
    const plane = width * height;
    const n = out.shape[0];
    const rgb = new Uint8Array(3 * n * plane);
    const gray = new Uint8Array(n * plane);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < plane; p++) {
        const o = i * plane + p;
        for (let c = 0; c < 3; c++) rgb[3 * o + c] = px[(3 * i + c) * plane + p];
        gray[o] = Math.round(0.299 * rgb[3 * o] + 0.587 * rgb[3 * o + 1] + 0.114 * rgb[3 * o + 2]);
      }
    }
    return { gray, rgb, width, height: height * n };
  }

  /** Grey levels 0..255 of `[n, pixels]` outputs, as @gan/training's displayPixels. */
  pixels(samples: Tensor): Uint8Array {
    const p = this.spec.pixels;
    const out = new Uint8Array(samples.size);
    if (p.mode === 'output') {
      const a = 255 / (p.hi - p.lo);
      const b = -p.lo * a;
      for (let i = 0; i < out.length; i++) {
        const x = samples.data[i] * a + b;
        out[i] = x <= 0 ? 0 : x >= 255 ? 255 : (x + 0.5) | 0;
      }
      return out;
    }
    const [n, size] = samples.shape;
    return stretchToPixels(samples.data, n, size, out);
  }
}

export interface GrayImage {
  gray: Uint8Array;
  width: number;
  height: number;
  /** Interleaved RGB (`3 * width * height`) of a colour picture (stacked MNIST). */
  rgb?: Uint8Array;
}

/** Draws a grey (or, with `rgb`, colour) image into a canvas at its own resolution (CSS scales it up, pixelated). */
export function drawGray(canvas: HTMLCanvasElement, image: GrayImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const rgba = ctx.createImageData(image.width, image.height);
  const rgb = image.rgb;
  for (let i = 0; i < image.gray.length; i++) {
    const g = image.gray[i];
    rgba.data[4 * i] = rgb ? rgb[3 * i] : g;
    rgba.data[4 * i + 1] = rgb ? rgb[3 * i + 1] : g;
    rgba.data[4 * i + 2] = rgb ? rgb[3 * i + 2] : g;
    rgba.data[4 * i + 3] = 255;
  }
  ctx.putImageData(rgba, 0, 0);
}
