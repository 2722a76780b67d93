/**
 * The follower: a queued sweep's rows as the workers report them (one round trip to Redis), a
 * reader of one job's progress, and `pnpm sweep ... --queue` following a sweep until every member
 * has ended (deciding a search's later stages as the earlier ones end). Ctrl-C, SIGTERM or SIGHUP
 * stops following; the members stay on the queue.
 */
import { onStopRequest } from '@gan/runs';
import { enqueueMembers } from './queue-producer.ts';
import {
  assertReachable,
  checkQueueUrl,
  jobId,
  type MemberProgress,
  type MemberResult,
  parseJson,
  QUEUE_NAME,
  redisClient,
  shownUrl,
  sleep,
} from './queue.ts';
import { advanceStage, memberLabel, openSweepDir, type Sweep } from './sweep.ts';
import { progressLine } from './plain.ts';
import { followedView, type SweepRow, type SweepView } from './view.ts';

/**
 * The rows of a sweep from the queue: each job's state and the progress its worker reported, in
 * one round trip to Redis for all of them.
 */
export async function queueRows(sweep: Sweep, url: string): Promise<SweepRow[]> {
  const client = redisClient(url);
  client.on('error', () => {});
  try {
    await client.connect();
    const queue = { toKey: (id: string) => `bull:${QUEUE_NAME}:${id}` };
    const wanted: { index: number; stage: number }[] = [];
    const latest = new Map<number, number>();
    sweep.meta.stages.forEach((st, s) => {
      for (const index of st.members ?? []) latest.set(index, s);
    });
    for (const [index, stage] of latest) wanted.push({ index, stage });
    const pipeline = client.pipeline();
    for (const w of wanted)
      pipeline.hmget(
        queue.toKey(jobId(sweep.meta.id, w.index, w.stage)),
        'progress',
        'returnvalue',
        'failedReason',
        'finishedOn',
        'processedOn',
      );
    const replies = (await pipeline.exec()) ?? [];
    const byIndex = new Map<number, SweepRow>();
    wanted.forEach((w, i) => {
      const [progressText, returnText, failedReason, finishedOn, processedOn] =
        (replies[i]?.[1] as (string | null)[]) ?? [];
      const p = parseJson<Partial<MemberProgress>>(progressText) ?? {};
      const result = parseJson<MemberResult>(returnText);
      const status =
        finishedOn && failedReason
          ? 'failed'
          : finishedOn && result
            ? result.status
            : processedOn
              ? (p.status ?? 'running')
              : progressText === null && returnText === null && processedOn === null && finishedOn === null
                ? 'queued'
                : 'queued';
      byIndex.set(w.index, {
        index: w.index,
        label: memberLabel(sweep, sweep.members[w.index]),
        status,
        step: result?.step ?? p.step ?? null,
        total: p.total ?? null,
        stepsPerSec: p.stepsPerSec ?? null,
        etaSec:
          status === 'running' && p.stepsPerSec && p.total && p.step !== null && p.step !== undefined
            ? (p.total - p.step) / p.stepsPerSec
            : null,
        dLoss: p.dLoss ?? null,
        dCostPrinted: p.dCostPrinted ?? null,
        gLoss: p.gLoss ?? null,
        dReal: p.dReal ?? null,
        dFake: p.dFake ?? null,
        modes: p.modes ?? null,
        fd: p.fd ?? null,
        run: result?.run ?? p.run ?? null,
        note: failedReason ? failedReason.split('\n')[0] : p.worker ? `on ${p.worker}` : null,
      });
    });
    return sweep.members.map(
      (m) =>
        byIndex.get(m.index) ?? {
          index: m.index,
          label: memberLabel(sweep, m),
          status: 'waiting',
          step: null,
          total: null,
          stepsPerSec: null,
          etaSec: null,
          dLoss: null,
          dCostPrinted: null,
          gLoss: null,
          dReal: null,
          dFake: null,
          modes: null,
          fd: null,
          run: null,
          note: null,
        },
    );
  } finally {
    client.disconnect();
  }
}

/**
 * Reads single jobs' progress (for the benchmark's enqueue-to-first-step timing): the step the
 * worker last reported, and whether the job has finished.
 */
export async function openJobReader(url: string) {
  const client = redisClient(url);
  client.on('error', () => {});
  await client.connect();
  return {
    async progress(
      sweepId: string,
      index: number,
      stage: number,
    ): Promise<{ step: number | null; finished: boolean }> {
      const [progress, finishedOn] = await client.hmget(
        `bull:${QUEUE_NAME}:${jobId(sweepId, index, stage)}`,
        'progress',
        'finishedOn',
      );
      return {
        step: parseJson<Partial<MemberProgress>>(progress)?.step ?? null,
        finished: Boolean(finishedOn),
      };
    },
    close: () => client.disconnect(),
  };
}

/**
 * Follows a queued sweep's progress (and advances a search's stages) until every member has
 * ended: on a terminal (`dashboard`), the sweep dashboard fed by the rows the workers report;
 * otherwise a line whenever the counts change. Returns the exit status (130: stopped following).
 */
export async function followSweep(
  sweep: Sweep,
  url: string,
  options: { dashboard: boolean; pollMs?: number },
): Promise<number> {
  let detached = false;
  const detach = () => {
    detached = true;
  };
  // Before anything is awaited: from the moment the caller said it queued the members, a stop
  // request must find a handler (Node's default for SIGTERM would kill the process).
  const offStop = onStopRequest(detach);
  let current = sweep;
  let view: SweepView = followedView(current, await queueRows(current, url).catch(() => []), null);
  const dashboard = options.dashboard
    ? (await import('./dashboard.tsx')).mountSweepDashboard(() => view, {
        onStopAll: detach,
        onStopMember: () => false,
      })
    : null;
  const say = (line: string) => {
    if (dashboard === null) process.stdout.write(`${line}\n`);
  };
  let lastLine = '';
  let status: number;
  try {
    for (;;) {
      if (detached) {
        status = 130;
        break;
      }
      let rows: SweepRow[];
      try {
        rows = await queueRows(current, url);
      } catch (e) {
        const message = `the queue at ${shownUrl(url)} is unreachable (${(e as Error).message}); retrying`;
        if (dashboard) view = followedView(current, view.followed ?? [], view, message);
        else process.stderr.write(`${message}\n`);
        await sleep(options.pollMs ?? 2000);
        continue;
      }
      view = followedView(current, rows, view);
      const ended = (r: SweepRow) => ['completed', 'diverged', 'failed'].includes(r.status);
      const stageRows = (s: number) => (current.meta.stages[s].members ?? []).map((i) => rows[i]);
      const counts: Record<string, number> = {};
      for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
      const line = Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      if (line !== lastLine) say(`sweep ${current.meta.id}: ${line}`);
      lastLine = line;
      const next = current.meta.stages.findIndex((st) => st.members === null);
      if (next > 0 && stageRows(next - 1).every(ended)) {
        current = advanceStage(openSweepDir(current.experimentsDir, current.dir), next).sweep;
        say(`stage ${next + 1}: ${current.meta.stages[next].reason}`);
        await enqueueMembers(current, url);
        continue;
      }
      if (next < 0 && rows.every(ended)) {
        status = rows.some((r) => r.status === 'failed') ? 1 : 0;
        break;
      }
      await sleep(options.pollMs ?? 2000);
    }
  } finally {
    offStop();
    dashboard?.unmount();
  }
  if (dashboard) process.stdout.write(`${progressLine(view)}\n`);
  if (status === 130)
    process.stderr.write(
      `no longer following; the workers go on. Follow again: pnpm sweep --resume ${current.meta.id} --queue ${shownUrl(url)} ` +
        `(queues nothing twice), or list it: pnpm sweep status ${current.meta.id} --queue ${shownUrl(url)}\n`,
    );
  else process.stdout.write(`sweep folder: ${current.dir}\nreport: pnpm report --sweep ${current.meta.id}\n`);
  return status;
}

/**
 * `pnpm sweep <file> --queue <url>`: enqueues the sweep's members, then (with `follow`) shows
 * their progress until every member has ended, deciding a search's later stages as the earlier
 * ones end. Ctrl-C stops following; the workers go on. Returns the exit status.
 */
export async function enqueueSweep(
  sweep: Sweep,
  url: string,
  options: { follow: boolean; dashboard: boolean; pollMs?: number },
): Promise<number> {
  checkQueueUrl(url);
  await assertReachable(url);
  const { added, retried } = await enqueueMembers(sweep, url);
  process.stdout.write(
    `queued ${added} job${added === 1 ? '' : 's'}${retried ? `, retried ${retried} failed` : ''} on ${shownUrl(url)} (queue ${QUEUE_NAME})\n` +
      `workers: pnpm worker --queue ${shownUrl(url)} --experiments ${sweep.experimentsDir}\n`,
  );
  if (!options.follow) return 0;
  return followSweep(sweep, url, options);
}
