import { readFileSync } from 'node:fs';
import { type Backend, Rng } from '@gan/tensor';

/**
 * The DCGAN's convolutions at batch 64 as the backend's kernels compose them (backend.ts: im2col's
 * `cols` is `[c·kh·kw, n·oh·ow]`, one GEMM per product, swapAxes between `[cOut, n, s]` and
 * `[n, cOut, s]`). A Conv2d layer:
 *   forward   im2col(x) -> cols;  y' = W · cols;  swapAxes(y') -> y
 *   backward  swapAxes(dy) -> dy';  dW += dy' · colsᵀ;  dcols = Wᵀ · dy';  col2im(dcols) -> dx
 * A ConvTranspose2d layer is the adjoint of the Conv2d from its output's shape to its input's:
 *   forward   swapAxes(x) -> x';  cols = Wᵀ · x';  col2im(cols) -> y
 *   backward  im2col(dy) -> dcols;  dx' = W · dcols;  swapAxes(dx') -> dx;  dW += x' · dcolsᵀ
 * Each stage is timed on its own, in the order training runs them.
 */
export interface ConvLayer {
  name: string;
  transposed: boolean;
  cIn: number;
  cOut: number;
  /** The layer's input image, h x w. */
  h: number;
  w: number;
  k: number;
  stride: number;
  pad: number;
}

export const DCGAN_LAYERS: readonly ConvLayer[] = [
  {
    name: 'Conv2d 1->64 k4 s2 p1, 28x28 -> 14x14',
    transposed: false,
    cIn: 1,
    cOut: 64,
    h: 28,
    w: 28,
    k: 4,
    stride: 2,
    pad: 1,
  },
  {
    name: 'Conv2d 64->128 k4 s2 p1, 14x14 -> 7x7',
    transposed: false,
    cIn: 64,
    cOut: 128,
    h: 14,
    w: 14,
    k: 4,
    stride: 2,
    pad: 1,
  },
  {
    name: 'ConvT 128->64 k4 s2 p1, 7x7 -> 14x14',
    transposed: true,
    cIn: 128,
    cOut: 64,
    h: 7,
    w: 7,
    k: 4,
    stride: 2,
    pad: 1,
  },
  {
    name: 'ConvT 64->1 k4 s2 p1, 14x14 -> 28x28',
    transposed: true,
    cIn: 64,
    cOut: 1,
    h: 14,
    w: 14,
    k: 4,
    stride: 2,
    pad: 1,
  },
];

type StageKind = 'gemm' | 'im2col/col2im' | 'swapAxes';
interface Stage {
  kind: StageKind;
  run: () => void;
}

/** One repetition of one pass: seconds per call of each kind of stage (medians), and the GEMMs' flops. */
interface PassTiming {
  seconds: Record<StageKind, number>;
  total: number;
}

export interface ConvRow {
  layer: string;
  pass: 'forward' | 'backward';
  threads: number;
  /** 2 · multiply-adds of the pass's GEMMs. */
  flops: number;
  /** One entry per repetition. */
  reps: PassTiming[];
}

/** The forward and backward stages of a layer at batch n, on arrays filled with normal values. */
function stages(be: Backend, l: ConvLayer, n: number): { forward: Stage[]; backward: Stage[]; macs: number } {
  const rng = Rng.create(0, `bench-conv ${l.name}`);
  const fill = (size: number) => rng.fillNormal(new Float32Array(size));
  const outLen = (len: number) =>
    l.transposed
      ? (len - 1) * l.stride - 2 * l.pad + l.k
      : Math.floor((len + 2 * l.pad - l.k) / l.stride) + 1;
  const [oh, ow] = [outLen(l.h), outLen(l.w)];
  // The convolution's geometry: the image side (c, h, w) and the column side (oh, ow) of im2col.
  const g = l.transposed
    ? { c: l.cOut, h: oh, w: ow, ch: l.cIn, oh: l.h, ow: l.w }
    : { c: l.cIn, h: l.h, w: l.w, ch: l.cOut, oh, ow };
  const rows = g.c * l.k * l.k;
  const cols = n * g.oh * g.ow;
  const s = g.oh * g.ow;
  const geo = [n, g.c, g.h, g.w, l.k, l.k, l.stride, l.stride, l.pad, l.pad, g.oh, g.ow] as const;
  // Image side: Conv2d's x and dx, ConvT's y and dy. Channel side: Conv2d's y and dy, ConvT's x and
  // dx, as [n, ch, s] and, swapped, [ch, n·s]. The forward's x (or x') and cols stay for the backward.
  const image = fill(n * g.c * g.h * g.w);
  const dImage = fill(n * g.c * g.h * g.w);
  const colsBuf = fill(rows * cols);
  const dcols = fill(rows * cols);
  const weight = fill(g.ch * rows); // [cOut, cIn·k·k] for Conv2d, [cIn, cOut·k·k] for ConvT
  const dWeight = new Float32Array(g.ch * rows);
  const chan = fill(n * g.ch * s);
  const dChan = fill(n * g.ch * s);
  const chanT = fill(g.ch * cols);
  const dChanT = fill(g.ch * cols);
  const macs = g.ch * rows * cols;
  const im2col = (x: Float32Array, out: Float32Array): Stage => ({
    kind: 'im2col/col2im',
    run: () => be.im2col(x, out, ...geo),
  });
  const col2im = (c: Float32Array, out: Float32Array): Stage => ({
    kind: 'im2col/col2im',
    run: () => be.col2im(c, out, ...geo, false),
  });
  const swap = (x: Float32Array, out: Float32Array, a: number, b: number): Stage => ({
    kind: 'swapAxes',
    run: () => be.swapAxes(x, out, a, b, s),
  });
  const gemm = (
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    nn: number,
    k: number,
    ta: boolean,
    tb: boolean,
    acc: boolean,
  ): Stage => ({ kind: 'gemm', run: () => be.gemm(a, b, c, m, nn, k, ta, tb, acc) });
  if (!l.transposed) {
    return {
      macs,
      forward: [
        im2col(image, colsBuf),
        gemm(weight, colsBuf, chanT, g.ch, cols, rows, false, false, false),
        swap(chanT, chan, g.ch, n),
      ],
      backward: [
        swap(dChan, dChanT, n, g.ch),
        gemm(dChanT, colsBuf, dWeight, g.ch, rows, cols, false, true, true),
        gemm(weight, dChanT, dcols, rows, cols, g.ch, true, false, false),
        col2im(dcols, dImage),
      ],
    };
  }
  return {
    macs,
    forward: [
      swap(chan, chanT, n, g.ch),
      gemm(weight, chanT, colsBuf, rows, cols, g.ch, true, false, false),
      col2im(colsBuf, image),
    ],
    backward: [
      im2col(dImage, dcols),
      gemm(weight, dcols, dChanT, g.ch, cols, rows, false, false, false),
      swap(dChanT, dChan, g.ch, n),
      gemm(chanT, dcols, dWeight, g.ch, rows, cols, false, true, true),
    ],
  };
}

/** Runs the stages in order until `budgetMs` has passed (at least 5 times); medians per stage. */
function timePass(list: Stage[], budgetMs: number): PassTiming {
  for (let i = 0; i < 2; i++) for (const st of list) st.run();
  const samples = list.map(() => [] as number[]);
  const start = performance.now();
  while (samples[0].length < 5 || performance.now() - start < budgetMs) {
    list.forEach((st, i) => {
      const t = performance.now();
      st.run();
      samples[i].push((performance.now() - t) / 1000);
    });
  }
  const seconds: Record<StageKind, number> = { gemm: 0, 'im2col/col2im': 0, swapAxes: 0 };
  list.forEach((st, i) => {
    const sorted = samples[i].sort((a, b) => a - b);
    seconds[st.kind] += sorted[sorted.length >> 1];
  });
  return { seconds, total: seconds.gemm + seconds['im2col/col2im'] + seconds.swapAxes };
}

/**
 * Each layer's forward and backward pass at batch `n` with each thread count (`setThreads`
 * switches; without it, one entry in `threads` and the backend as it is), `reps` times over. Within
 * a repetition every row is measured in turn, so a change in the machine's load shows in every
 * row's range rather than in one row.
 */
export function benchConv(
  be: Backend,
  n: number,
  reps: number,
  budgetMs: number,
  threads: number[],
  setThreads?: (t: number) => void,
): ConvRow[] {
  const built = DCGAN_LAYERS.map((l) => ({ l, ...stages(be, l, n) }));
  const rows: ConvRow[] = threads.flatMap((t) =>
    built.flatMap(({ l, macs }) => [
      { layer: l.name, pass: 'forward' as const, threads: t, flops: 2 * macs, reps: [] },
      { layer: l.name, pass: 'backward' as const, threads: t, flops: 4 * macs, reps: [] },
    ]),
  );
  for (let r = 0; r < reps; r++) {
    threads.forEach((t, ti) => {
      setThreads?.(t);
      built.forEach(({ forward, backward }, i) => {
        const at = (ti * built.length + i) * 2;
        rows[at].reps.push(timePass(forward, budgetMs));
        rows[at + 1].reps.push(timePass(backward, budgetMs));
      });
    });
  }
  return rows;
}

export interface Peak {
  model: string;
  /** /proc/cpuinfo's `cpu MHz`: under a hypervisor the nominal (TSC) clock, not the boost one. */
  ghz: number;
  lanes: number;
  /** FMA pipes per core: not in /proc/cpuinfo; 2 on the x86 cores with AVX2 or AVX-512 here. */
  fmaPipes: number;
  /** GFLOP/s of one core at that clock: ghz · lanes · fmaPipes · 2 flops per FMA. */
  perCore: number;
}

/**
 * The nominal float32 peak per core: clock · lanes · 2 FMA pipes · 2 flops per FMA, with the
 * clock of /proc/cpuinfo and the vector width of the instruction set the backend's kernels were
 * compiled for. Cores that boost run faster than this clock.
 */
export function machinePeak(be: Backend): Peak | null {
  let info: string;
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  const model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1] ?? 'unknown CPU';
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(info)?.[1]);
  if (!Number.isFinite(mhz)) return null;
  const simd = (be as { simd?: string }).simd ?? 'scalar';
  const lanes = simd === 'avx512' ? 16 : simd === 'avx2' ? 8 : 1;
  const fmaPipes = 2;
  const ghz = mhz / 1000;
  return { model, ghz, lanes, fmaPipes, perCore: ghz * lanes * fmaPipes * 2 };
}
