/**
 * The generator in the page: a checkpoint fetched from the server, run with @gan/tensor's
 * reference backend: a seed -> its image (as `pnpm sample --seed` draws it), a 4x4 grid of the
 * next 16 seeds, and an interpolation between two seeds' z.
 */
import { Tensor } from '@gan/tensor';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { GeneratorSpec } from '../shared/api.ts';
import { runPath } from './api.ts';
import { drawGray, type GrayImage, PageGenerator, parseSafetensors } from './generator.ts';

const INTERPOLATION_STEPS = 8;

/** Images side by side (and in rows), with a black gap of `pad` pixels. */
function tile(images: GrayImage[], cols: number, pad = 2): GrayImage {
  const { width: w, height: h } = images[0];
  const rows = Math.ceil(images.length / cols);
  const width = cols * w + (cols - 1) * pad;
  const height = rows * h + (rows - 1) * pad;
  const gray = new Uint8Array(width * height);
  const rgb = images[0].rgb !== undefined ? new Uint8Array(3 * width * height) : undefined;
  images.forEach((img, i) => {
    const x0 = (i % cols) * (w + pad);
    const y0 = Math.floor(i / cols) * (h + pad);
    for (let y = 0; y < h; y++) {
      gray.set(img.gray.subarray(y * w, (y + 1) * w), (y0 + y) * width + x0);
      if (rgb && img.rgb) rgb.set(img.rgb.subarray(3 * y * w, 3 * (y + 1) * w), 3 * ((y0 + y) * width + x0));
    }
  });
  return rgb ? { gray, rgb, width, height } : { gray, width, height };
}

function splitRows(g: PageGenerator, out: Tensor): GrayImage[] {
  if ((g.spec.channels ?? 1) !== 1) {
    const all = g.picture(out);
    const size = g.spec.width * g.spec.height;
    return Array.from({ length: out.shape[0] }, (_, i) => ({
      gray: all.gray.subarray(i * size, (i + 1) * size),
      ...(all.rgb && { rgb: all.rgb.subarray(3 * i * size, 3 * (i + 1) * size) }),
      width: g.spec.width,
      height: g.spec.height,
    }));
  }
  const px = g.pixels(out);
  const size = g.spec.width * g.spec.height;
  return Array.from({ length: out.shape[0] }, (_, i) => ({
    gray: px.subarray(i * size, (i + 1) * size),
    width: g.spec.width,
    height: g.spec.height,
  }));
}

export function GeneratorPanel({
  runKey,
  spec,
  checkpoints,
}: {
  runKey: string;
  spec: GeneratorSpec | { unavailable: string };
  checkpoints: number[];
}) {
  const latest = checkpoints.at(-1) ?? null;
  const [step, setStep] = useState<number | null>(null);
  const chosen = step ?? latest;
  const [gen, setGen] = useState<PageGenerator | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [seed, setSeed] = useState(42);
  const [seedB, setSeedB] = useState(7);
  const single = useRef<HTMLCanvasElement>(null);
  const grid = useRef<HTMLCanvasElement>(null);
  const lerp = useRef<HTMLCanvasElement>(null);
  const [ms, setMs] = useState<number | null>(null);

  useEffect(() => {
    if ('unavailable' in spec || chosen === null) return;
    let live = true;
    setGen(null);
    setError(null);
    fetch(`${runPath(runKey)}/checkpoints/${chosen}`)
      .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`checkpoint: HTTP ${r.status}`))))
      .then((bytes) => {
        if (live) setGen(new PageGenerator(spec, parseSafetensors(bytes)));
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [runKey, chosen, 'unavailable' in spec]);

  useEffect(() => {
    if (!gen || !single.current) return;
    const t0 = performance.now();
    drawGray(single.current, gen.image(seed));
    single.current.dataset.seed = String(seed);
    single.current.dataset.step = String(chosen);
    if (!gen.points && grid.current && lerp.current) {
      const images = Array.from({ length: 16 }, (_, i) => gen.image(seed + i));
      drawGray(grid.current, tile(images, 4));
      const za = gen.z(seed);
      const zb = gen.z(seedB);
      const z = Tensor.zeros([INTERPOLATION_STEPS, gen.spec.zSize]);
      for (let i = 0; i < INTERPOLATION_STEPS; i++) {
        const t = i / (INTERPOLATION_STEPS - 1);
        for (let j = 0; j < gen.spec.zSize; j++)
          z.data[i * gen.spec.zSize + j] = (1 - t) * za.data[j] + t * zb.data[j];
      }
      drawGray(lerp.current, tile(splitRows(gen, gen.generate(z)), INTERPOLATION_STEPS));
    }
    setMs(performance.now() - t0);
  }, [gen, seed, seedB]);

  if ('unavailable' in spec) return <p class="muted">The generator cannot run here: {spec.unavailable}</p>;
  if (latest === null)
    return <p class="muted">No checkpoint yet: the generator appears with the first one.</p>;
  const number = (set: (n: number) => void) => (e: Event) => {
    const n = Number((e.target as HTMLInputElement).value);
    if (Number.isSafeInteger(n) && n >= 0) set(n);
  };
  return (
    <div class="generator">
      <div class="toolbar">
        <label>
          checkpoint{' '}
          <select
            id="gen-step"
            value={String(chosen)}
            onChange={(e) => setStep(Number((e.target as HTMLSelectElement).value))}
          >
            {checkpoints.map((s) => (
              <option key={s} value={String(s)}>
                step {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          seed <input id="gen-seed" type="number" min={0} value={seed} onInput={number(setSeed)} />
        </label>
        {!gen?.points && (
          <label>
            to seed <input id="gen-seed-b" type="number" min={0} value={seedB} onInput={number(setSeedB)} />
          </label>
        )}
        <span class="muted">
          {error ??
            (gen
              ? `drawn in the page in ${ms?.toFixed(0) ?? '…'} ms (reference backend)`
              : 'loading the checkpoint…')}
        </span>
      </div>
      <div class="gen-row">
        <figure>
          <canvas id="gen-single" class="pixelated big" ref={single} />
          <figcaption>
            seed {seed} (= pnpm sample --seed {seed})
          </figcaption>
        </figure>
        {!gen?.points && (
          <figure>
            <canvas id="gen-grid" class="pixelated" ref={grid} />
            <figcaption>
              seeds {seed}–{seed + 15}
            </figcaption>
          </figure>
        )}
      </div>
      {!gen?.points && (
        <figure>
          <canvas id="gen-lerp" class="pixelated wide" ref={lerp} />
          <figcaption>
            z from seed {seed} to seed {seedB}, {INTERPOLATION_STEPS} steps
          </figcaption>
        </figure>
      )}
    </div>
  );
}
