/** Each run's last sample grid and GIF, inlined as data: URIs (up to a size). */
import { readFile, stat } from 'node:fs/promises';
import { gifPath, listSamples } from '@gan/runs';
import type { RunRecord } from '../runs.ts';
import { RUN_COLORS } from './chart-spec.ts';
import { escapeHtml } from './escape.ts';

/** Images larger than this are not inlined (a note says so). */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

interface RunImages {
  sample: { step: number; uri: string } | null;
  gif: string | null;
}

export async function runImages(
  run: RunRecord,
  notes: string[],
  options = { gif: true },
): Promise<RunImages> {
  const result: RunImages = { sample: null, gif: null };
  try {
    const last = (await listSamples(run.runDir)).at(-1);
    if (last) {
      const uri = await dataUri(last.path, 'image/png', notes);
      if (uri) result.sample = { step: last.step, uri };
    }
  } catch (error) {
    notes.push(`${run.runDir}: samples not read: ${(error as Error).message}`);
  }
  if (options.gif) result.gif = await dataUri(gifPath(run.runDir), 'image/gif', notes);
  return result;
}

async function dataUri(path: string, type: string, notes: string[]): Promise<string | null> {
  try {
    const info = await stat(path);
    if (info.size > MAX_IMAGE_BYTES) {
      notes.push(`${path}: ${(info.size / 2 ** 20).toFixed(1)} MiB, too large to inline (left out)`);
      return null;
    }
    return `data:${type};base64,${(await readFile(path)).toString('base64')}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      notes.push(`${path}: ${(error as Error).message}`);
    return null;
  }
}

export function samplesHtml(label: string, index: number, images: RunImages): string {
  const color = RUN_COLORS[index % RUN_COLORS.length];
  const figures: string[] = [];
  if (images.sample) {
    figures.push(
      `<figure><img src="${images.sample.uri}" alt="${escapeHtml(`samples of ${label} at step ${images.sample.step}`)}">` +
        `<figcaption>step ${images.sample.step}</figcaption></figure>`,
    );
  }
  if (images.gif) {
    figures.push(
      `<figure><img src="${images.gif}" alt="${escapeHtml(`samples of ${label} over training`)}">` +
        '<figcaption>samples.gif</figcaption></figure>',
    );
  }
  const body = figures.length > 0 ? figures.join('') : '<p class="empty">no sample grids yet</p>';
  return (
    `<div class="run-samples"><h3><span class="swatch" style="background:${color}"></span>${escapeHtml(label)}</h3>` +
    `<div class="figures">${body}</div></div>`
  );
}

/** A group's samples: the last sample grid of each of its runs. */
export function groupSamplesHtml(
  label: string,
  index: number,
  runs: readonly RunRecord[],
  images: RunImages[],
): string {
  const color = RUN_COLORS[index % RUN_COLORS.length];
  const figures = runs.flatMap((run, i) => {
    const sample = images[i].sample;
    if (!sample) return [];
    const who = run.meta ? `seed ${run.meta.seed}` : run.runId;
    return [
      `<figure><img src="${sample.uri}" alt="${escapeHtml(`samples of ${label}, ${who}, at step ${sample.step}`)}">` +
        `<figcaption>${escapeHtml(`${who}, step ${sample.step}`)}</figcaption></figure>`,
    ];
  });
  const body = figures.length > 0 ? figures.join('') : '<p class="empty">no sample grids yet</p>';
  return (
    `<div class="group-samples"><h3><span class="swatch" style="background:${color}"></span>${escapeHtml(label)}</h3>` +
    `<div class="figures">${body}</div></div>`
  );
}
