import { backend, formatShape, type Rng, ShapeError, Tensor, type FloatArray } from '@gan/tensor';
import { Buffer2d, Scratch } from './buffers.ts';
import { type InitOptions, initWeight } from './init.ts';
import type { BackwardOptions, Layer } from './layer.ts';
import { type Parameter, parameter } from './parameter.ts';

/** The geometry of one image of a batch: `[channels, height, width]`, channel-major in a row. */
export interface ImageShape {
  channels: number;
  height: number;
  width: number;
}

/**
 * `floor((size + 2·padding - kernel) / stride) + 1`: a convolution's output size along one axis
 * (PyTorch's Conv2d, dilation 1). Below 1 when the kernel does not fit.
 */
export function conv2dOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/**
 * `(size - 1)·stride - 2·padding + kernel + outputPadding`: a transposed convolution's output size
 * along one axis (PyTorch's ConvTranspose2d, dilation 1).
 */
export function convTranspose2dOutputSize(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  outputPadding: number,
): number {
  return (size - 1) * stride - 2 * padding + kernel + outputPadding;
}

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  /** `kh` and `kw` (one number: square). */
  kernel: number | [number, number];
  /** Default 1. */
  stride?: number | [number, number];
  /** Zeros added on each side, default 0; must be smaller than the kernel. */
  padding?: number | [number, number];
  /** Default true. */
  bias?: boolean;
  /** The size of the layer's input images (Conv2d and ConvTranspose2d alike). */
  input: { height: number; width: number };
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Rows and columns added at the bottom and right of the output, default 0; smaller than the stride. */
  outputPadding?: number | [number, number];
}

type Pair = readonly [number, number];

/** Sizes and steps of a conv layer, checked. */
interface Geometry {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly outputPadding: Pair;
  readonly input: ImageShape;
  readonly output: ImageShape;
}

/** Checks the options of `layer` (`Conv2d d.0`) and computes its output shape; RangeError otherwise. */
function geometry(layer: string, opts: ConvTranspose2dOptions, transposed: boolean): Geometry {
  const count = (what: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`${layer}: ${what} must be an integer >= 1, got ${v}`);
  };
  const pairOf = (
    what: string,
    v: number | [number, number] | undefined,
    fallback: number,
    min: number,
  ): Pair => {
    const p: Pair = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;
    if (p.length !== 2 || !p.every((a) => Number.isInteger(a) && a >= min)) {
      const shown = Array.isArray(v) ? `[${v.join(',')}]` : String(v);
      throw new RangeError(`${layer}: ${what} must be an integer >= ${min} or a pair of them, got ${shown}`);
    }
    return [p[0], p[1]];
  };
  count('inChannels', opts.inChannels);
  count('outChannels', opts.outChannels);
  count('input height', opts.input.height);
  count('input width', opts.input.width);
  const kernel = pairOf('kernel', opts.kernel, 1, 1);
  const stride = pairOf('stride', opts.stride, 1, 1);
  const padding = pairOf('padding', opts.padding, 0, 0);
  const outputPadding = transposed ? pairOf('outputPadding', opts.outputPadding, 0, 0) : ([0, 0] as const);
  const axes = ['height', 'width'] as const;
  const size = axes.map((axis, i) => {
    if (padding[i] >= kernel[i]) {
      throw new RangeError(
        `${layer}: padding ${padding[i]} must be smaller than the kernel ${kernel[i]} (${axis}): ` +
          (transposed ? 'some inputs would reach no output' : 'some outputs would see nothing but padding'),
      );
    }
    if (outputPadding[i] >= stride[i]) {
      throw new RangeError(
        `${layer}: outputPadding ${outputPadding[i]} must be smaller than the stride ${stride[i]} (${axis})`,
      );
    }
    const inSize = opts.input[axis];
    const out = transposed
      ? convTranspose2dOutputSize(inSize, kernel[i], stride[i], padding[i], outputPadding[i])
      : conv2dOutputSize(inSize, kernel[i], stride[i], padding[i]);
    if (out < 1) {
      throw new RangeError(
        `${layer}: the output ${axis} would be ${out} (input ${inSize}, kernel ${kernel[i]}, ` +
          `stride ${stride[i]}, padding ${padding[i]}): ` +
          (transposed ? 'the padding crops all of it' : 'the kernel does not fit'),
      );
    }
    return out;
  });
  return {
    kernel,
    stride,
    padding,
    outputPadding,
    input: Object.freeze({ channels: opts.inChannels, height: opts.input.height, width: opts.input.width }),
    output: Object.freeze({ channels: opts.outChannels, height: size[0], width: size[1] }),
  };
}

function checkInput(layer: string, x: Tensor, shape: ImageShape): number {
  const { channels: c, height: h, width: w } = shape;
  if (x.rank !== 2 || x.shape[1] !== c * h * w) {
    throw new ShapeError(
      `${layer}: input shape ${formatShape(x.shape)} does not match [batch,${c * h * w}] (${c}x${h}x${w} images)`,
    );
  }
  return x.shape[0];
}

function checkGradient(layer: string, input: Tensor | null, dy: Tensor, shape: ImageShape): number {
  if (input === null) throw new Error(`${layer}: backward before forward`);
  const n = input.shape[0];
  const { channels: c, height: h, width: w } = shape;
  if (dy.rank !== 2 || dy.shape[0] !== n || dy.shape[1] !== c * h * w) {
    throw new ShapeError(
      `${layer}: gradient shape ${formatShape(dy.shape)} does not match the output [${n},${c * h * w}] (${c}x${h}x${w} images)`,
    );
  }
  return n;
}

/** The bias of a conv layer: added per channel, its gradient the channel sums of dy. */
class ChannelBias {
  private readonly ones: FloatArray;
  private readonly sums: FloatArray;

  constructor(readonly param: Parameter) {
    this.ones = new Float32Array(param.value.size).fill(1);
    this.sums = new Float32Array(param.value.size);
  }

  /** `y[n, c, ·] += b[c]` over `y: [n, c, s]`. */
  add(y: FloatArray, n: number, c: number, s: number): void {
    backend().channelAffine(y, this.ones, null, null, this.param.value.data, y, n, c, s);
  }

  /** `db[c] += Σ_{n, s} dy[n, c, s]`. */
  accumulateGrad(dy: FloatArray, n: number, c: number, s: number): void {
    backend().channelSums(dy, null, this.sums, null, n, c, s);
    const g = this.param.grad.data;
    for (let ch = 0; ch < c; ch++) g[ch] += this.sums[ch];
  }
}

/**
 * What Conv2d and ConvTranspose2d share: the geometry, the weight (in PyTorch's layout for each)
 * and the optional bias, the initialisation with PyTorch's fans, the reused output buffers.
 */
abstract class ConvLayer implements Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly inputShape: ImageShape;
  readonly outputShape: ImageShape;
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  /** The geometry's output padding: [0, 0] for a convolution, a transposed one's own. */
  protected readonly extraOutput: Pair;
  protected readonly biasOps: ChannelBias | null;
  protected input: Tensor | null = null;
  protected readonly out = new Buffer2d();
  protected readonly dx = new Buffer2d();

  /** `transposed`: the weight is `[C, O, kh, kw]` (a transposed convolution's), else `[O, C, kh, kw]`. */
  protected constructor(
    readonly label: string,
    readonly name: string,
    opts: Conv2dOptions,
    transposed: boolean,
  ) {
    const g = geometry(label, opts, transposed);
    this.kernel = g.kernel;
    this.stride = g.stride;
    this.padding = g.padding;
    this.extraOutput = g.outputPadding;
    this.inputShape = g.input;
    this.outputShape = g.output;
    const prefix = name === '' ? '' : `${name}.`;
    const [kh, kw] = g.kernel;
    const dims = transposed ? [opts.inChannels, opts.outChannels] : [opts.outChannels, opts.inChannels];
    this.weight = parameter(`${prefix}weight`, Tensor.zeros([dims[0], dims[1], kh, kw]));
    this.bias = (opts.bias ?? true) ? parameter(`${prefix}bias`, Tensor.zeros([opts.outChannels])) : null;
    this.biasOps = this.bias === null ? null : new ChannelBias(this.bias);
  }

  /**
   * Draws the weight from `init` and zeroes the bias. The fans are PyTorch's
   * (`_calculate_fan_in_and_fan_out` reads dimension 1 of the weight as the fan-in and dimension 0
   * as the fan-out, each times kh·kw): C·kh·kw and O·kh·kw for a convolution's `[O, C, kh, kw]`,
   * O·kh·kw and C·kh·kw for a transposed one's `[C, O, kh, kw]`.
   */
  resetParameters(rng: Rng, init: InitOptions): void {
    const [d0, d1] = this.weight.value.shape;
    const area = this.kernel[0] * this.kernel[1];
    initWeight(this.weight.value, d1 * area, d0 * area, rng, init);
    this.bias?.value.data.fill(0);
  }

  /**
   * im2col of a batch of `image`-shaped images onto the kernel positions of a `grid`-sized output,
   * with this layer's kernel, stride and padding: `image` is the convolution's input (a transposed
   * convolution's output), `grid` its output (a transposed convolution's input).
   */
  protected unfold(img: FloatArray, cols: FloatArray, n: number, image: ImageShape, grid: ImageShape): void {
    const [kh, kw] = this.kernel;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const { channels: c, height: h, width: w } = image;
    backend().im2col(img, cols, n, c, h, w, kh, kw, sh, sw, ph, pw, grid.height, grid.width);
  }

  /** The adjoint of {@link unfold}: `cols` summed into a zeroed batch of `image`-shaped images. */
  protected fold(cols: FloatArray, img: FloatArray, n: number, image: ImageShape, grid: ImageShape): void {
    const [kh, kw] = this.kernel;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const { channels: c, height: h, width: w } = image;
    backend().col2im(cols, img, n, c, h, w, kh, kw, sh, sw, ph, pw, grid.height, grid.width, false);
  }

  abstract forward(x: Tensor): Tensor;
  abstract backward(dy: Tensor, opts?: BackwardOptions): Tensor | null;

  parameters(): Parameter[] {
    return this.bias === null ? [this.weight] : [this.weight, this.bias];
  }
}

/**
 * 2-d convolution (PyTorch's `nn.Conv2d`, dilation 1, one group, zero padding) on a batch of images
 * flattened to rows, `x: [N, C·H·W] -> y: [N, O·OH·OW]`, channel-major (the memory of NCHW). With
 * the weight `W: [O, C, kh, kw]` (PyTorch's layout) and the bias `b: [O]`:
 *
 *   y[n, o, i, j] = b[o] + Σ_{c,u,v} W[o, c, u, v] · x[n, c, i·sh - ph + u, j·sw - pw + v]
 *
 * with x = 0 outside the image and OH = floor((H + 2·ph - kh) / sh) + 1 (likewise OW). As matrices:
 * `cols = im2col(x): [C·kh·kw, N·OH·OW]`, `Y = W·cols: [O, N·OH·OW]`, `y = swapAxes(Y) + b`.
 *
 * Backward, for `dy` swapped to `dY: [O, N·OH·OW]`:
 *
 *   dW += dY·colsᵀ,   db[o] += Σ_{n,i,j} dy[n, o, i, j],   dx = col2im(Wᵀ·dY)
 *
 * The im2col matrix of the last forward is kept for dW (N·OH·OW·C·kh·kw floats, like its gradient).
 *
 * ```ts
 * const conv = new Conv2d(
 *   { inChannels: 1, outChannels: 64, kernel: 4, stride: 2, padding: 1, input: { height: 28, width: 28 } },
 *   'd.0',
 * );
 * conv.resetParameters(Rng.create(0, 'init'), { scheme: 'normal', std: 0.02 });
 * const h = conv.forward(x); // [N, 784] -> [N, 64·14·14]
 * ```
 */
export class Conv2d extends ConvLayer {
  /** im2col of the last input, for dW. */
  private readonly cols = new Scratch();
  private readonly dcols = new Scratch();
  /** The output (forward) or its gradient (backward) as `[O, N·OH·OW]`. */
  private readonly channelMajor = new Scratch();

  constructor(opts: Conv2dOptions, name = 'conv') {
    super(`Conv2d ${name}`, name, opts, false);
  }

  forward(x: Tensor): Tensor {
    const n = checkInput(this.label, x, this.inputShape);
    const c = this.inputShape.channels;
    const { channels: o, height: oh, width: ow } = this.outputShape;
    const [kh, kw] = this.kernel;
    const k = c * kh * kw;
    const p = n * oh * ow;
    const be = backend();
    const cols = this.cols.get(k * p);
    this.unfold(x.data, cols, n, this.inputShape, this.outputShape);
    const yT = this.channelMajor.get(o * p);
    be.gemm(this.weight.value.data, cols, yT, o, p, k, false, false, false);
    const y = this.out.get(n, o * oh * ow);
    be.swapAxes(yT, y.data, o, n, oh * ow);
    this.biasOps?.add(y.data, n, o, oh * ow);
    this.input = x;
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor | null {
    const n = checkGradient(this.label, this.input, dy, this.outputShape);
    const paramGrads = opts.paramGrads ?? true;
    const inputGrad = opts.inputGrad ?? true;
    if (!paramGrads && !inputGrad) return null;
    const { channels: c, height: h, width: w } = this.inputShape;
    const { channels: o, height: oh, width: ow } = this.outputShape;
    const [kh, kw] = this.kernel;
    const k = c * kh * kw;
    const p = n * oh * ow;
    const be = backend();
    const dyT = this.channelMajor.get(o * p);
    be.swapAxes(dy.data, dyT, n, o, oh * ow);
    if (paramGrads) {
      be.gemm(dyT, this.cols.get(k * p), this.weight.grad.data, o, k, p, false, true, true);
      this.biasOps?.accumulateGrad(dy.data, n, o, oh * ow);
    }
    if (!inputGrad) return null;
    const dcols = this.dcols.get(k * p);
    be.gemm(this.weight.value.data, dyT, dcols, k, p, o, true, false, false);
    const dx = this.dx.get(n, c * h * w);
    this.fold(dcols, dx.data, n, this.inputShape, this.outputShape);
    return dx;
  }
}

/**
 * Transposed 2-d convolution (PyTorch's `nn.ConvTranspose2d`, dilation 1, one group): the adjoint
 * of a {@link Conv2d} from O channels of OH×OW to C channels of H×W, so that conv's input gradient
 * is this layer's forward and the other way round. `x: [N, C·H·W] -> y: [N, O·OH·OW]` with
 * OH = (H - 1)·sh - 2·ph + kh + oph (likewise OW), the weight `W: [C, O, kh, kw]` (PyTorch's layout)
 * and the bias `b: [O]`:
 *
 *   y[n, o, i·sh - ph + u, j·sw - pw + v] += W[c, o, u, v] · x[n, c, i, j]   (then + b[o])
 *
 * for every input pixel (i, j), channel c and tap (u, v) that lands inside the output. As matrices:
 * `X = swapAxes(x): [C, N·H·W]`, `cols = Wᵀ·X: [O·kh·kw, N·H·W]`, `y = col2im(cols) + b`.
 *
 * Backward, for `dcols = im2col(dy): [O·kh·kw, N·H·W]`:
 *
 *   dW += X·dcolsᵀ,   db[o] += Σ_{n,i,j} dy[n, o, i, j],   dx = swapAxes(W·dcols)
 *
 * NOTE: the output padding only makes the output larger at the bottom and right (it picks which of
 * the `stride` input sizes that a Conv2d maps to H this layer inverts). The rows and columns it adds
 * receive the taps that land there: none when the padding is 0, and then they hold only the bias.
 *
 * ```ts
 * const up = new ConvTranspose2d(
 *   { inChannels: 128, outChannels: 64, kernel: 4, stride: 2, padding: 1, input: { height: 7, width: 7 } },
 *   'g.2',
 * );
 * up.resetParameters(Rng.create(0, 'init'), { scheme: 'normal', std: 0.02 });
 * const h = up.forward(x); // [N, 128·7·7] -> [N, 64·14·14]
 * ```
 */
export class ConvTranspose2d extends ConvLayer {
  private readonly inputT = new Scratch();
  private readonly dxT = new Scratch();
  private readonly cols = new Scratch();

  constructor(opts: ConvTranspose2dOptions, name = 'convTranspose') {
    super(`ConvTranspose2d ${name}`, name, opts, true);
  }

  /** Extra rows and columns at the bottom and right of the output, as given. */
  get outputPadding(): Pair {
    return this.extraOutput;
  }

  forward(x: Tensor): Tensor {
    const n = checkInput(this.label, x, this.inputShape);
    const { channels: c, height: h, width: w } = this.inputShape;
    const { channels: o, height: oh, width: ow } = this.outputShape;
    const [kh, kw] = this.kernel;
    const k = o * kh * kw;
    const p = n * h * w;
    const be = backend();
    const xT = this.inputT.get(c * p);
    be.swapAxes(x.data, xT, n, c, h * w);
    const cols = this.cols.get(k * p);
    be.gemm(this.weight.value.data, xT, cols, k, p, c, true, false, false);
    const y = this.out.get(n, o * oh * ow);
    // The Conv2d this layer is the adjoint of reads an O×OH×OW image into an H×W output.
    this.fold(cols, y.data, n, this.outputShape, this.inputShape);
    this.biasOps?.add(y.data, n, o, oh * ow);
    this.input = x;
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor | null {
    const n = checkGradient(this.label, this.input, dy, this.outputShape);
    const paramGrads = opts.paramGrads ?? true;
    const inputGrad = opts.inputGrad ?? true;
    if (!paramGrads && !inputGrad) return null;
    const { channels: c, height: h, width: w } = this.inputShape;
    const { channels: o, height: oh, width: ow } = this.outputShape;
    const [kh, kw] = this.kernel;
    const k = o * kh * kw;
    const p = n * h * w;
    const be = backend();
    const dcols = this.cols.get(k * p);
    this.unfold(dy.data, dcols, n, this.outputShape, this.inputShape);
    if (paramGrads) {
      be.gemm(this.inputT.get(c * p), dcols, this.weight.grad.data, c, k, p, false, true, true);
      this.biasOps?.accumulateGrad(dy.data, n, o, oh * ow);
    }
    if (!inputGrad) return null;
    const dxT = this.dxT.get(c * p);
    be.gemm(this.weight.value.data, dcols, dxT, c, p, k, false, false, false);
    const dx = this.dx.get(n, c * h * w);
    be.swapAxes(dxT, dx.data, c, n, h * w);
    return dx;
  }
}
