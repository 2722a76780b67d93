/**
 * Layer lists (`model.generator.layers`, `model.discriminator.layers`): each entry in one normal
 * form, and the shape of the features after each layer, so a list that does not fit its input or
 * the data is refused with the layer, the shape that came in and the one expected, before anything
 * is built. The builders (train/model.ts) and the dry run read the same resolution.
 */
import type { ACTIVATIONS, LayerSpec, ModelAndData } from './schema.ts';

type ActivationKind = (typeof ACTIVATIONS)[number];

/** The features of one sample: flat `[n]`, or an image `[channels, height, width]` (channel-major). */
export type FeatureShape = readonly [number] | readonly [number, number, number];

type Pair = readonly [number, number];

/** A layer list entry in one form, whatever way the YAML wrote it. */
export type LayerOp =
  | { kind: 'linear'; features: number }
  | {
      kind: 'conv' | 'convTranspose';
      channels: number;
      kernel: Pair;
      stride: Pair;
      padding: Pair;
      outputPadding: Pair;
      bias: boolean;
    }
  | { kind: 'batchNorm'; eps: number; momentum: number }
  | { kind: 'activation'; activation: ActivationKind; slope: number }
  | { kind: 'reshape'; shape: readonly [number, number, number] }
  | { kind: 'flatten' };

/** One layer of a resolved list: what it does, its input and output shapes and its parameter count. */
export interface ResolvedLayer {
  /** Its index in the YAML list. */
  index: number;
  op: LayerOp;
  input: FeatureShape;
  output: FeatureShape;
  params: number;
}

/** A layer list that does not fit: the list index at fault (null: the list as a whole) and why. */
export interface ArchitectureProblem {
  index: number | null;
  message: string;
}

const DEFAULT_LEAKY_SLOPE = 0.2;
const BN_DEFAULTS = { eps: 1e-5, momentum: 0.1 };

function pair(v: number | readonly [number, number]): Pair {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** The normal form of a layer list entry. */
export function layerOp(spec: LayerSpec): LayerOp {
  if (typeof spec === 'string') {
    if (spec === 'flatten') return { kind: 'flatten' };
    if (spec === 'batchNorm') return { kind: 'batchNorm', ...BN_DEFAULTS };
    return { kind: 'activation', activation: spec, slope: spec === 'leakyRelu' ? DEFAULT_LEAKY_SLOPE : 0 };
  }
  if ('linear' in spec) return { kind: 'linear', features: spec.linear };
  if ('conv' in spec || 'convTranspose' in spec) {
    const c = 'conv' in spec ? { ...spec.conv, outputPadding: 0 } : spec.convTranspose;
    return {
      kind: 'conv' in spec ? 'conv' : 'convTranspose',
      channels: c.channels,
      kernel: pair(c.kernel),
      stride: pair(c.stride),
      padding: pair(c.padding),
      outputPadding: pair(c.outputPadding),
      bias: c.bias,
    };
  }
  if ('batchNorm' in spec) return { kind: 'batchNorm', ...spec.batchNorm };
  if ('leakyRelu' in spec) return { kind: 'activation', activation: 'leakyRelu', slope: spec.leakyRelu };
  return { kind: 'reshape', shape: spec.reshape };
}

/** `[a, b, c]` as written in configs. */
export function showShape(shape: FeatureShape): string {
  return `[${shape.join(', ')}]`;
}

function size(shape: FeatureShape): number {
  return shape.reduce((a, b) => a * b, 1);
}

function opName(op: LayerOp): string {
  return op.kind === 'activation' ? op.activation : op.kind;
}

/** floor((size + 2 padding - kernel) / stride) + 1: PyTorch's Conv2d output size (dilation 1). */
function convOut(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** (size - 1) stride - 2 padding + kernel + outputPadding: PyTorch's ConvTranspose2d output size. */
function convTransposeOut(n: number, k: number, s: number, p: number, op: number): number {
  return (n - 1) * s - 2 * p + k + op;
}

/** The output shape of `op` on `input`, its parameter count, or why it does not apply. */
function apply(op: LayerOp, input: FeatureShape): { output: FeatureShape; params: number } | string {
  const name = opName(op);
  switch (op.kind) {
    case 'linear':
      if (input.length !== 1) {
        return `${name} takes flat features, got an image ${showShape(input)}: add flatten before it`;
      }
      return { output: [op.features], params: (input[0] + 1) * op.features };
    case 'conv':
    case 'convTranspose': {
      if (input.length !== 3) {
        return `${name} takes an image [channels, height, width], got flat features ${showShape(input)}: add { reshape: [c, h, w] } before it`;
      }
      const [c, h, w] = input;
      const [kh, kw] = op.kernel;
      const [sh, sw] = op.stride;
      const [ph, pw] = op.padding;
      const [oph, opw] = op.outputPadding;
      if (op.kind === 'convTranspose' && (oph >= sh || opw >= sw)) {
        return `${name}: outputPadding ${showShape(op.outputPadding as unknown as FeatureShape)} must be smaller than the stride ${showShape(op.stride as unknown as FeatureShape)}`;
      }
      const oh = op.kind === 'conv' ? convOut(h, kh, sh, ph) : convTransposeOut(h, kh, sh, ph, oph);
      const ow = op.kind === 'conv' ? convOut(w, kw, sw, pw) : convTransposeOut(w, kw, sw, pw, opw);
      if (oh < 1 || ow < 1) {
        return `${name} with kernel ${kh}x${kw}, stride ${sh}x${sw}, padding ${ph}x${pw} leaves no output of an image ${showShape(input)} (${oh} x ${ow})`;
      }
      const params = c * op.channels * kh * kw + (op.bias ? op.channels : 0);
      return { output: [op.channels, oh, ow], params };
    }
    case 'batchNorm':
      return { output: input, params: 2 * input[0] };
    case 'activation':
      return { output: input, params: 0 };
    case 'reshape':
      if (size(op.shape) !== size(input)) {
        return `reshape to ${showShape(op.shape)} (${size(op.shape)} values) does not fit its input ${showShape(input)} (${size(input)} values)`;
      }
      return { output: op.shape, params: 0 };
    case 'flatten':
      return { output: [size(input)], params: 0 };
  }
}

/**
 * Every layer of `specs` on `input`, in order, or the first problem: a layer that does not take
 * the shape before it (with the shape that came in and what it takes).
 */
export function resolveLayers(
  specs: readonly LayerSpec[],
  input: FeatureShape,
): { layers: ResolvedLayer[]; problem: ArchitectureProblem | null } {
  const layers: ResolvedLayer[] = [];
  let shape = input;
  for (const [index, spec] of specs.entries()) {
    const op = layerOp(spec);
    const r = apply(op, shape);
    if (typeof r === 'string') return { layers, problem: { index, message: r } };
    layers.push({ index, op, input: shape, output: r.output, params: r.params });
    shape = r.output;
  }
  return { layers, problem: null };
}

/** The features of one training sample of the config's dataset. */
export function dataShape(dataset: ModelAndData['data']['dataset']): FeatureShape {
  if (dataset === 'mnist') return [1, 28, 28];
  if (dataset === 'stacked-mnist') return [3, 28, 28];
  return [2];
}

/** D's input: the data shape, m samples stacked along channels (images) or features (flat) when packing. */
export function discriminatorInputShape(config: ModelAndData): FeatureShape {
  const d = dataShape(config.data.dataset);
  const m = config.model.discriminator.packing;
  return d.length === 3 ? [m * d[0], d[1], d[2]] : [m * d[0]];
}

function sameShape(a: FeatureShape, b: FeatureShape): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Problems of the generator's layer list (null when it has none), with its resolved layers. */
export function checkGeneratorLayers(config: ModelAndData): {
  layers: ResolvedLayer[];
  problem: ArchitectureProblem | null;
} {
  const specs = config.model.generator.layers;
  if (specs === null) return { layers: [], problem: null };
  const r = resolveLayers(specs, [config.model.z.size]);
  if (r.problem !== null) return r;
  const out = r.layers[r.layers.length - 1].output;
  const want = dataShape(config.data.dataset);
  const fits = out.length === 1 ? out[0] === size(want) : sameShape(out, want);
  if (!fits) {
    return {
      layers: r.layers,
      problem: {
        index: null,
        message: `the generator ends in ${showShape(out)}, but ${config.data.dataset} samples are ${showShape(want)}${out.length === 1 ? ` (${size(want)} values flat)` : ''}`,
      },
    };
  }
  return r;
}

/** Problems of the discriminator's layer list (null when it has none), with its resolved layers. */
export function checkDiscriminatorLayers(config: ModelAndData): {
  layers: ResolvedLayer[];
  problem: ArchitectureProblem | null;
} {
  const specs = config.model.discriminator.layers;
  if (specs === null) return { layers: [], problem: null };
  const r = resolveLayers(specs, discriminatorInputShape(config));
  if (r.problem !== null) return r;
  const out = r.layers[r.layers.length - 1].output;
  if (size(out) !== 1) {
    return {
      layers: r.layers,
      problem: {
        index: null,
        message: `the discriminator ends in ${showShape(out)}, expected one logit: end it with { linear: 1 } (after flatten)`,
      },
    };
  }
  return r;
}

/**
 * A network's layers as resolved shapes: its layer list, or the MLP its `hidden` widths describe
 * (Linear and activation pairs; D's remedies are not layers of it and are not listed).
 */
export function networkLayers(config: ModelAndData, net: 'generator' | 'discriminator'): ResolvedLayer[] {
  const spec = config.model[net];
  if (spec.layers !== null) {
    return (net === 'generator' ? checkGeneratorLayers(config) : checkDiscriminatorLayers(config)).layers;
  }
  const acts = typeof spec.activation === 'string' ? spec.hidden.map(() => spec.activation) : spec.activation;
  const list: LayerSpec[] = [];
  for (const [i, width] of spec.hidden.entries()) {
    list.push({ linear: width });
    const a = acts[i] as ActivationKind;
    list.push(a === 'leakyRelu' ? { leakyRelu: spec.leakySlope } : a);
  }
  const data = dataShape(config.data.dataset).reduce((a, b) => a * b, 1);
  if (net === 'generator') {
    list.push({ linear: data }, config.model.generator.output);
    return resolveLayers(list, [config.model.z.size]).layers;
  }
  list.push({ linear: 1 });
  return resolveLayers(list, [config.model.discriminator.packing * data]).layers;
}

/** `conv 4x4 stride 2 padding 1, no bias`: one resolved layer in words. */
export function describeLayer(op: LayerOp): string {
  const pairText = (p: Pair) => (p[0] === p[1] ? `${p[0]}` : `${p[0]}x${p[1]}`);
  switch (op.kind) {
    case 'linear':
      return 'linear';
    case 'conv':
    case 'convTranspose':
      return (
        `${op.kind} ${op.kernel[0]}x${op.kernel[1]} stride ${pairText(op.stride)} padding ${pairText(op.padding)}` +
        (op.kind === 'convTranspose' && (op.outputPadding[0] > 0 || op.outputPadding[1] > 0)
          ? ` outputPadding ${pairText(op.outputPadding)}`
          : '') +
        (op.bias ? '' : ', no bias')
      );
    case 'batchNorm':
      return op.eps === 1e-5 && op.momentum === 0.1
        ? 'batchNorm'
        : `batchNorm eps ${op.eps} momentum ${op.momentum}`;
    case 'activation':
      return op.activation === 'leakyRelu' ? `leakyRelu ${op.slope}` : op.activation;
    case 'reshape':
      return 'reshape';
    case 'flatten':
      return 'flatten';
  }
}

/**
 * The two networks as a table, layer by layer (name as in checkpoints, what it does, its output
 * shape, its parameters), as PyTorch summaries print them: what `pnpm exp --dry-run` shows.
 */
export function modelSummary(config: ModelAndData): string {
  const lines: string[] = [];
  const n = (v: number) => v.toLocaleString('en-US');
  for (const net of ['generator', 'discriminator'] as const) {
    const layers = networkLayers(config, net);
    const total = layers.reduce((a, l) => a + l.params, 0);
    const input = layers.length > 0 ? showShape(layers[0].input) : '?';
    const kind = config.model[net].layers !== null ? 'layer list' : 'MLP';
    lines.push(`${net} (${kind}): input ${input}, ${n(total)} parameters`);
    const rows = layers.map((l) => [
      `${net}.${l.index}`,
      describeLayer(l.op),
      showShape(l.output),
      l.params === 0 ? '' : n(l.params),
    ]);
    const width = (c: number) => Math.max(...rows.map((r) => r[c].length), 0);
    for (const r of rows) {
      lines.push(
        `  ${r[0].padEnd(width(0))}  ${r[1].padEnd(width(1))}  ${r[2].padEnd(width(2))}  ${r[3].padStart(width(3))}`.trimEnd(),
      );
    }
  }
  return lines.join('\n');
}
