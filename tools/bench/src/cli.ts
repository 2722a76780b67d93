/**
 * `pnpm bench`: how fast the project trains, against numpy peers measured in the same run.
 *
 *   matmul     GFLOP/s of an MLP layer's three products (forward, weight and input gradients)
 *   conv       GFLOP/s of the DCGAN's convolutions at batch 64 (im2col/col2im + GEMM + swapAxes),
 *              the share of the layout kernels, and the machine's peak
 *   train      steps/s of every article config at batch 1 and of the tutorial MLP GAN
 *              (baseline-tutorial: G 256-512-1024, D 1024-512-256) at batch 1 and 64
 *   dashboard  throughput with the live dashboard against plain output (decay config)
 *   dcgan      steps/s of configs/dcgan.yaml's training step against the same networks in PyTorch
 *   memory     peak resident memory of a baseline-tutorial run and of a DCGAN run
 *   report     `pnpm report` listing 1,000 runs of 10,000 metrics lines, against reading their bytes
 *   ui         pnpm ui: metrics line -> point drawn, the runs page with 1,000 runs, the page's JS size
 *   sweep      8 article-config runs with --jobs 2 against one after another (--jobs 1)
 *   queue      the same 8 through Redis with 2 workers against --jobs 2
 *   overhead   enqueue to first step on an idle worker (median)
 *   sweep-view 1,000 queued members listed by the sweep view
 *
 * Timings are whole-process or in-process medians; quote ratios, the machines are shared.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type Backend,
  missingCpuFeatures,
  NATIVE_VARIANT_NAMES,
  selectBackend,
  setBackend,
} from '@gan/tensor';
import { ARTICLE_CONFIGS, loadConfig } from '@gan/training/config';
import { benchConv, machinePeak } from './conv.ts';
import { torchStepsPerSec } from './dcgan.ts';
import { benchMatmul } from './matmul.ts';
import { benchReportListing } from './report.ts';
import { benchUi, uiLines } from './ui.ts';
import {
  benchLocalSweep,
  benchQueueOverhead,
  benchQueueSweep,
  benchSweepView,
  startRedis,
} from './sweeps.ts';
import { numpyVersion } from './peer.ts';
import { median, runExp } from './runs.ts';
import { oursStepsPerSec, peerStepsPerSec } from './train.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SECTIONS = [
  'matmul',
  'variants',
  'conv',
  'dcgan',
  'train',
  'dashboard',
  'memory',
  'report',
  'ui',
  'sweep',
  'queue',
  'overhead',
  'sweep-view',
] as const;
type Section = (typeof SECTIONS)[number];

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

const ratio = (a: number, b: number | null | undefined) => (b ? `${(a / b).toFixed(2)}x` : 'n/a');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      steps: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      `usage: pnpm bench [--only ${SECTIONS.join(',')}] [--quick] [--steps <n> (sweep, queue)] [--json results.json]\n`,
    );
    return;
  }
  const only = new Set<Section>((values.only?.split(',') as Section[] | undefined) ?? SECTIONS);
  for (const s of only)
    if (!SECTIONS.includes(s))
      throw new Error(`--only: unknown section ${s} (expected ${SECTIONS.join(', ')})`);
  const quick = values.quick;
  const budget = quick ? 500 : 2000;
  // Checked before any section runs, not after an hour of the earlier ones.
  const sweepSteps = values.steps !== undefined ? Number(values.steps) : quick ? 500 : 20_000;
  if (!Number.isInteger(sweepSteps) || sweepSteps < 1)
    throw new Error(`--steps: expected a whole number >= 1, got ${values.steps}`);

  const fast = selectBackend('auto');
  const reference = selectBackend('reference').backend;
  const backends: Backend[] = fast.backend.name === 'reference' ? [reference] : [fast.backend, reference];
  setBackend(fast.backend);
  const results: Record<string, unknown> = {};
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(
    `backend ${fast.backend.name}${fast.note ? ` (${fast.note})` : ''}; numpy ${numpyVersion() ?? 'not available'}; node ${process.version}`,
  );

  if (only.has('matmul')) {
    const rows = benchMatmul(
      backends,
      [
        [64, 784, 1024],
        [1, 686, 784],
      ],
      budget,
    );
    results.matmul = rows;
    const names = [...backends.map((b) => b.name), 'numpy'];
    say('\nmatmul GFLOP/s (float32; numpy with its BLAS)');
    say(
      table(
        ['shape', 'form', ...names, `${backends[0].name}/numpy`],
        rows.map((r) => [
          r.shape,
          r.form,
          ...names.map((n) => r.gflops[n] ?? NaN),
          ratio(r.gflops[backends[0].name], r.gflops.numpy),
        ]),
      ),
    );
  }

  if (only.has('variants') && fast.backend.name === 'native') {
    // What the same bits on every variant cost: each variant this CPU runs on the products of a
    // batch-64 and a batch-1 layer; baseline-fast (a multiply and an add, not the same bits)
    // against the baseline's exact FMA is the price of the reproducible baseline.
    const variants = NATIVE_VARIANT_NAMES.filter((v) => missingCpuFeatures(v).length === 0).map((v) => ({
      ...selectBackend(`native:${v}`).backend,
      name: v,
    }));
    const rows = benchMatmul(
      variants,
      [
        [64, 784, 1024],
        [1, 686, 784],
      ],
      quick ? budget / 2 : budget,
    );
    results.variants = rows;
    const names = variants.map((v) => v.name);
    const cost = names.includes('baseline-fast') ? ['baseline-fast/baseline'] : [];
    say('\nmatmul GFLOP/s by native variant (float32; every variant but baseline-fast gives the same bits)');
    say(
      table(
        ['shape', 'form', ...names, 'numpy', ...cost],
        rows.map((r) => [
          r.shape,
          r.form,
          ...names.map((n) => r.gflops[n] ?? NaN),
          r.gflops.numpy ?? NaN,
          ...(cost.length > 0 ? [ratio(r.gflops['baseline-fast'], r.gflops.baseline)] : []),
        ]),
      ),
    );
  }

  if (only.has('conv')) {
    // Only the fast backend: the reference needs seconds per call on these products. One thread
    // and every thread: on a machine shared with other work the second thread may get no core.
    const be = backends[0] as Backend & { threads?: () => number; setThreads?: (n: number) => void };
    const all = be.threads?.() ?? 1;
    const threads = be.setThreads && all > 1 ? [1, all] : [all];
    const reps = quick ? 2 : 5;
    const rows = benchConv(be, 64, reps, quick ? 150 : 400, threads, be.setThreads);
    be.setThreads?.(all);
    const peak = machinePeak(be);
    results.conv = { backend: be.name, batch: 64, peak, rows };
    const span = (xs: number[], digits = 0) => {
      const [lo, hi] = [Math.min(...xs).toFixed(digits), Math.max(...xs).toFixed(digits)];
      return lo === hi ? lo : `${lo}-${hi}`;
    };
    const pct = (r: (typeof rows)[number], kind: 'gemm' | 'im2col/col2im' | 'swapAxes') =>
      span(r.reps.map((t) => (100 * t.seconds[kind]) / t.total));
    say(`\nconvolutions of the DCGAN, batch 64, ${be.name} backend: range over ${reps} repetitions`);
    say(
      table(
        [
          'layer',
          'pass',
          'threads',
          'ms',
          'GFLOP/s',
          'GEMM GFLOP/s',
          'GEMM %',
          'im2col/col2im %',
          'swapAxes %',
        ],
        rows.map((r) => [
          r.layer,
          r.pass,
          String(r.threads),
          span(
            r.reps.map((t) => t.total * 1000),
            2,
          ),
          span(r.reps.map((t) => r.flops / t.total / 1e9)),
          span(r.reps.map((t) => r.flops / t.seconds.gemm / 1e9)),
          pct(r, 'gemm'),
          pct(r, 'im2col/col2im'),
          pct(r, 'swapAxes'),
        ]),
      ),
    );
    if (peak === null) say('peak: /proc/cpuinfo unavailable');
    else
      say(
        `nominal peak (${peak.model}, ${peak.ghz.toFixed(2)} GHz from /proc/cpuinfo): ${peak.ghz.toFixed(2)} GHz x ` +
          `${peak.lanes} lanes x ${peak.fmaPipes} FMA pipes x 2 flops = ${peak.perCore.toFixed(0)} GFLOP/s per core, ` +
          `${threads.map((t) => `${(t * peak.perCore).toFixed(0)} on ${t}`).join(', ')}; boosting cores run faster. ` +
          'GFLOP/s counts 2 per multiply-add of the GEMMs',
      );
  }

  if (only.has('train')) {
    const cases: [string, string[]][] = [
      ...ARTICLE_CONFIGS.map((c): [string, string[]] => [c, []]),
      ['baseline-tutorial', ['data.batchSize=1']],
      ['baseline-tutorial', ['data.batchSize=64']],
      // The article's own run in its own dtype: float64 on the reference backend's loops.
      ['decay', ['train.precision=float64']],
    ];
    const rows: (string | number)[][] = [];
    const out: unknown[] = [];
    for (const [name, overrides] of quick
      ? cases.filter(([n]) => n === 'decay' || n === 'baseline-tutorial')
      : cases) {
      const file = join(ROOT, 'configs', `${name}.yaml`);
      const ours = oursStepsPerSec(file, overrides, budget);
      const { config } = loadConfig(file, overrides);
      const batch = config.data.batchSize;
      const dtype = config.train.precision;
      const peer = peerStepsPerSec(
        file,
        overrides,
        Math.max(20, Math.round((batch === 1 ? 40 : 4) * (budget / 1000))),
      );
      rows.push([name, String(batch), dtype, ours, peer.sps ?? NaN, ratio(ours, peer.sps), peer.peer]);
      out.push({ config: name, batch, dtype, ours, numpy: peer.sps, peer: peer.peer });
      say(
        `  ${name} batch ${batch} ${dtype}: ${fmt(ours)} steps/s (numpy ${peer.sps === null ? 'n/a' : fmt(peer.sps)})`,
      );
    }
    results.train = out;
    say(`\ntraining steps/s (${fast.backend.name} backend vs numpy)`);
    say(table(['config', 'batch', 'dtype', 'ours', 'numpy', 'ours/numpy', 'numpy peer'], rows));
  }

  if (only.has('dashboard')) {
    // The machine's speed drifts by tens of percent over minutes: runs go in pairs, the order
    // alternating within each pair, and the cost is the median of the pairs' ratios.
    const steps = quick ? 1500 : 6000;
    const pairs = quick ? 1 : 5;
    const run = (tty: boolean) =>
      runExp(['configs/decay.yaml', `train.steps=${steps}`, 'eval.atEnd=false'], { tty }).stepsPerSec ??
      Number.NaN;
    const withDash: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < pairs; i++) {
      if (i % 2 === 0) {
        withDash.push(run(true));
        plain.push(run(false));
      } else {
        plain.push(run(false));
        withDash.push(run(true));
      }
    }
    const ratios = withDash.map((w, i) => w / plain[i]);
    const r = median(ratios);
    results.dashboard = { steps, withDashboard: withDash, plain, ratios, ratio: r };
    say('\ndashboard cost (decay config, whole runs under a pseudo-terminal vs --no-dashboard, in pairs)');
    say(
      table(
        ['', 'steps/s (median)', 'runs'],
        [
          ['with dashboard', median(withDash), withDash.map(fmt).join(' ')],
          ['plain lines', median(plain), plain.map(fmt).join(' ')],
          ['ratio per pair', r, ratios.map((x) => x.toFixed(3)).join(' ')],
        ],
      ),
    );
    say(
      `throughput with the dashboard: ${(r * 100).toFixed(1)}% of plain (cost ${((1 - r) * 100).toFixed(1)}%, median of ${pairs} pair${pairs === 1 ? '' : 's'})`,
    );
  }

  if (only.has('dcgan')) {
    // Same batch (the config's 64), same threads (2), same step: D on reals and fakes, G through D.
    const file = join(ROOT, 'configs', 'dcgan.yaml');
    const ours = oursStepsPerSec(file, [], budget);
    const torch = torchStepsPerSec(file, [], { steps: quick ? 3 : 10, threads: 2 });
    results.dcgan = { ours, torch: torch?.sps ?? null, torchVersion: torch?.torch ?? null };
    say(`\nDCGAN training step (configs/dcgan.yaml, batch 64, 2 threads), steps/s`);
    say(
      table(
        ['', 'ours', `torch ${torch?.torch ?? 'n/a'}`, 'ours / torch'],
        [['dcgan', ours, torch?.sps ?? NaN, ratio(ours, torch?.sps)]],
      ),
    );
  }

  if (only.has('memory')) {
    // A short run with its final evaluation: the peak does not grow with the number of steps, and
    // the evaluation (classifier, real-image statistics, 1000 samples) is part of every run.
    const meta = runExp(
      ['configs/baseline-tutorial.yaml', `train.steps=${quick ? 50 : 300}`, 'eval.every=0'],
      {
        tty: false,
      },
    );
    const peak = meta.peakMemoryMB ?? null;
    const dcgan = runExp(['configs/dcgan.yaml', `train.steps=${quick ? 10 : 50}`, 'eval.every=0'], {
      tty: false,
    });
    const dcganPeak = dcgan.peakMemoryMB ?? null;
    results.memory = { config: 'baseline-tutorial', peakMemoryMB: peak, dcganPeakMemoryMB: dcganPeak };
    const mb = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(0)} MB`);
    say(`\npeak memory of a baseline-tutorial run: ${mb(peak)} (target < 500 MB)`);
    say(`peak memory of a DCGAN run (configs/dcgan.yaml, with its final evaluation): ${mb(dcganPeak)}`);
  }

  if (only.has('report')) {
    const runs = quick ? 100 : 1000;
    const lines = 10_000;
    say(`\nwriting ${runs} runs of ${lines} metrics lines for the report listing ...`);
    const r = await benchReportListing(runs, lines);
    results.report = r;
    say(
      table(
        ['', 'seconds', 'runs/s', 'peak RSS MiB'],
        [
          ['pnpm report (list)', r.listing.seconds, r.listing.runs / r.listing.seconds, r.listing.rssMiB],
          ['cat of every metrics.jsonl', r.catSeconds, r.listing.runs / r.catSeconds, NaN],
        ],
      ),
    );
    say(
      `listing ${r.listing.runs} runs with ${(r.bytes / 2 ** 30).toFixed(2)} GiB of metrics (warm cache): ` +
        `${r.listing.seconds.toFixed(2)} s in ${r.listing.rssMiB.toFixed(0)} MiB; it reads each file's last ` +
        'rows only, its time goes to parsing each config.yaml',
    );
  }

  const queued = ['queue', 'overhead', 'sweep-view'].some((s) => only.has(s as Section));
  if (only.has('sweep') || queued) {
    Object.assign(results, await benchSweeps(only, sweepSteps, quick, say, table));
  }

  if (only.has('ui')) {
    say('\npnpm ui (Chromium) ...');
    const r = benchUi(ROOT, quick ? 100 : 1000);
    results.ui = r;
    for (const line of uiLines(r)) say(line);
  }

  if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
}

await main();

/** The sweep and queue sections (issue 14's targets); Redis is started for the queue ones. */
async function benchSweeps(
  only: Set<Section>,
  steps: number,
  quick: boolean,
  say: (s: string) => void,
  tabulate: (head: string[], rows: (string | number)[][]) => string,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (only.has('sweep')) {
    say(
      `\nsweep: the 8 article configs, ${steps} steps each, --jobs 2 against --jobs 1 (one after another) ...`,
    );
    const r = benchLocalSweep(steps, 1);
    out.sweep = r;
    say(
      tabulate(
        ['', 'wall s'],
        [
          ['--jobs 1 (one after another, every core each)', r.jobs1],
          ['--jobs 1 --threads 1 (one after another, one core each)', r.jobs1Single],
          ['--jobs 2 (one core each)', r.jobs2],
          ['ratio to --jobs 1', `${r.ratio.toFixed(2)}x (target at most 0.6x)`],
          ['ratio to --jobs 1 --threads 1', `${r.ratioSingle.toFixed(2)}x`],
          [
            'least ratio two jobs can reach',
            `${r.bound.toFixed(2)}x (half of one core each, over every core each)`,
          ],
        ],
      ),
    );
  }
  if (!['queue', 'overhead', 'sweep-view'].some((s) => only.has(s as Section))) return out;
  const redis = await startRedis();
  try {
    if (only.has('queue')) {
      say(`\nqueue: the same 8 (${steps} steps) through Redis with 2 workers, against --jobs 2 ...`);
      const r = await benchQueueSweep(redis, steps);
      out.queue = r;
      say(
        tabulate(
          ['', 'wall s'],
          [
            ['2 workers (queue)', r.queue],
            ['--jobs 2', r.jobs2],
            ['ratio', `${r.ratio.toFixed(2)}x (target within 1.10x)`],
          ],
        ),
      );
    }
    if (only.has('overhead')) {
      const n = quick ? 3 : 10;
      say(`\noverhead: enqueue to first step on an idle worker, ${n} members (decay config, MNIST) ...`);
      const r = await benchQueueOverhead(redis, n);
      out.overhead = r;
      say(
        `median ${r.median.toFixed(3)} s (target under 1 s); each: ${r.latencies.map((x) => x.toFixed(3)).join(' ')}`,
      );
    }
    if (only.has('sweep-view')) {
      say('\nsweep-view: 1,000 queued members listed ...');
      const r = await benchSweepView(redis, 1000);
      out.sweepView = r;
      say(
        tabulate(
          ['', 'seconds'],
          [
            ['from the queue (job states and progress)', r.queueSeconds],
            ['from the sweep folder', r.folderSeconds],
            ['pnpm sweep status --queue (whole process)', r.commandSeconds],
          ],
        ),
      );
    }
  } finally {
    await redis.stop();
  }
  return out;
}
