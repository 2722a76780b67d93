/**
 * `pnpm worker --queue redis://host:port --experiments <shared dir>`: takes sweep members from
 * the queue and trains them, one or more at a time, until stopped. Run one on every machine that
 * should train; they must all see the same experiments folder (a network filesystem).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { defaultExperimentsDir, describeStop, onStopRequest, parseFaultSpec, userPath } from '@gan/runs';
import { assertReachable, QUEUE_NAME, shownUrl } from '../sweep/queue.ts';
import { MemberWorker } from '../sweep/queue-worker.ts';
import { backendFlag, fail } from './common.ts';

const USAGE = `usage: pnpm worker --queue <redis-url> [--experiments <dir>] [options]

Takes the members of sweeps queued with \`pnpm sweep <file> --queue <redis-url>\` (or
\`pnpm exp ... --multirun --queue <redis-url>\`) and trains them into run folders under the
experiments folder, which every worker and the machine that queued the sweep must share.
A worker killed on the way loses nothing: its members are resumed from their last checkpoint
by whichever worker takes them next.

options:
  --queue <redis-url>    redis://[:password@]host:port[/db] (required)
  --experiments <dir>    the shared experiments folder (default: <project>/experiments)
  --jobs <n>             members at once (default 1)
  --threads <n>          native kernel threads of each member (default: the cores / --jobs)
  --backend <kind>       auto | native | native:<variant> (avx512, avx2, baseline, baseline-fast) | reference
  --lock-seconds <s>     a job's lock; a dead worker's job is taken back after about this (default 30)
  --name <name>          how this worker is named in the sweep's progress (default host:pid)
  --outage-seconds <s>   how long members go on training while Redis cannot be reached before
                         they stop at a checkpoint (default 0.8 x the lock)
  -h, --help             this text

testing:
  --fault-inject <rules> make the members' file operations fail, kill the worker or pause it at one
                         exact operation (pnpm faults; the rules: packages/runs/src/faults.ts)

Ctrl-C, SIGTERM or SIGHUP (to this process or to the pnpm that started it): running members stop at
a checkpoint and go back to the queue, and the worker exits 0; a second Ctrl-C or SIGTERM: at once.
A worker whose lock on a member expired (it was paused, or cut off from Redis, for longer than a
lock) stops that member at once and writes nothing more to its run folder: each run folder has
one owner at a time, and a worker that took the member over since is the one
(packages/runs/src/owner.ts).`;

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        queue: { type: 'string' },
        experiments: { type: 'string' },
        jobs: { type: 'string', default: '1' },
        threads: { type: 'string' },
        backend: { type: 'string', default: 'auto' },
        'lock-seconds': { type: 'string', default: '30' },
        name: { type: 'string' },
        'outage-seconds': { type: 'string' },
        'fault-inject': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    fail(`pnpm worker: ${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const url = values.queue as string | undefined;
  if (url === undefined) fail(`pnpm worker: --queue is required\n\n${USAGE}`);
  const whole = (name: string, min: number) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min)
      fail(`pnpm worker: --${name}: expected a whole number >= ${min}, got "${values[name]}"`);
    return n;
  };
  const jobs = whole('jobs', 1);
  const threads =
    values.threads === undefined
      ? Math.max(1, Math.floor(availableParallelism() / jobs))
      : whole('threads', 1);
  const lockMs = whole('lock-seconds', 1) * 1000;
  const outageMs = values['outage-seconds'] === undefined ? undefined : whole('outage-seconds', 0) * 1000;
  const faultInject = values['fault-inject'] as string | undefined;
  if (faultInject !== undefined) {
    try {
      parseFaultSpec(faultInject);
    } catch (e) {
      fail(`pnpm worker: --fault-inject: ${(e as Error).message}`);
    }
  }
  const experimentsDir =
    values.experiments !== undefined ? userPath(values.experiments as string) : defaultExperimentsDir();
  const backend = backendFlag('pnpm worker', values.backend as string);
  try {
    await assertReachable(url);
  } catch (e) {
    fail(`pnpm worker: ${(e as Error).message}`, 1);
  }
  const worker = new MemberWorker({
    url,
    experimentsDir,
    jobs,
    threads,
    backend,
    lockMs,
    unreachableStopMs: outageMs,
    faultInject,
    name: values.name as string | undefined,
    log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  await worker.ready();
  process.stdout.write(
    `worker ${worker.name}: queue ${QUEUE_NAME} on ${shownUrl(url)}, experiments ${experimentsDir}, ` +
      `${jobs} at once, ${threads} kernel thread${threads === 1 ? '' : 's'} each\n`,
  );
  onStopRequest((why) => {
    process.stderr.write(
      why.count === 1
        ? `\nstopping (${describeStop(why)}): running members checkpoint and go back to the queue (again to force)\n`
        : '\nstopping now\n',
    );
    void worker.close(why.count > 1).then(() => process.exit(0));
  });
}

await main();
