/**
 * The queue's own timings, measured in this process for `pnpm bench` (tools/bench runs this file
 * as a process and reads the JSON line it prints; the bench itself depends on no application
 * code):
 *
 *   queue-timings overhead --queue <url> --experiments <dir> --count <n>
 *     n+1 one-member sweeps of the decay config enqueued one at a time for an idle worker that
 *     shares <dir>, each timed from enqueueing to the first step the worker reports; the first,
 *     which warms the worker up, is not counted: {"latencies": [s, ...]}
 *   queue-timings listing --queue <url> --members <n>
 *     a sweep of n smoke-config members queued (no worker), listed from Redis (job states and
 *     progress, one round trip) and from the sweep folder, median of 5 each:
 *     {"queueSeconds": s, "folderSeconds": s, "sweepId": id, "experiments": dir}
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '@gan/runs';
import { openJobReader, queueRows } from '../sweep/queue-follower.ts';
import { enqueueMembers } from '../sweep/queue-producer.ts';
import { cliSweep } from '../sweep/spec.ts';
import { folderRows } from '../sweep/status.ts';
import { createSweep, planSweep } from '../sweep/sweep.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function overhead(url: string, experiments: string, count: number): Promise<{ latencies: number[] }> {
  const reader = await openJobReader(url);
  try {
    const latencies: number[] = [];
    for (let i = 0; i <= count; i++) {
      const spec = cliSweep(join(projectRoot(), 'configs', 'decay.yaml'), [
        `seed=${100 + i}`,
        'train.steps=20',
        'log.every=1', // the first step is reported as step 1, not after log.every steps
        'eval.atEnd=false',
        'log.gif=false',
      ]);
      const sweep = createSweep(experiments, spec, planSweep(spec), ['bench']);
      const t0 = performance.now();
      await enqueueMembers(sweep, url);
      let first: number | null = null;
      for (const deadline = t0 + 120_000; performance.now() < deadline; ) {
        const { step, finished } = await reader.progress(sweep.meta.id, 0, 0);
        if ((step !== null && step >= 1) || finished) {
          first ??= (performance.now() - t0) / 1000;
          if (finished) break;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      if (first === null) throw new Error('the worker did not start the member within 2 minutes');
      if (i > 0) latencies.push(first);
    }
    return { latencies };
  } finally {
    reader.close();
  }
}

async function listing(url: string, members: number) {
  const experiments = mkdtempSync(join(tmpdir(), 'bench-view-'));
  const spec = cliSweep(join(projectRoot(), 'configs', 'smoke.yaml'), [`seed=range(0,${members})`]);
  const sweep = createSweep(experiments, spec, planSweep(spec), ['bench']);
  await enqueueMembers(sweep, url);
  const time = async (f: () => Promise<unknown[]>) => {
    const t: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const rows = await f();
      if (rows.length !== members) throw new Error(`listed ${rows.length} of ${members}`);
      t.push((performance.now() - t0) / 1000);
    }
    return median(t);
  };
  return {
    queueSeconds: await time(() => queueRows(sweep, url)),
    folderSeconds: await time(() => folderRows(sweep)),
    sweepId: sweep.meta.id,
    experiments,
  };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    queue: { type: 'string' },
    experiments: { type: 'string' },
    count: { type: 'string', default: '10' },
    members: { type: 'string', default: '1000' },
  },
});
const url = values.queue;
if (url === undefined) throw new Error('queue-timings: --queue <redis-url> is required');
const result =
  positionals[0] === 'overhead'
    ? await overhead(
        url,
        values.experiments ?? mkdtempSync(join(tmpdir(), 'bench-overhead-')),
        Number(values.count),
      )
    : positionals[0] === 'listing'
      ? await listing(url, Number(values.members))
      : null;
if (result === null) throw new Error(`queue-timings: expected overhead or listing, got ${positionals[0]}`);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
