/**
 * The producer: puts a sweep's members on the queue; enqueuing again adds nothing (a job's id is
 * its member's and stage's), so a resumed sweep is safe.
 */
import { type Job, Queue } from 'bullmq';
import { jobId, type MemberJob, QUEUE_NAME } from './queue.ts';
import { memberLabel, type Sweep } from './sweep.ts';

/**
 * Puts the jobs of the sweep's decided stages whose members are not done on the queue (a job
 * already there is left as it is, a failed one retried). Returns how many were added.
 */
export async function enqueueMembers(sweep: Sweep, url: string): Promise<{ added: number; retried: number }> {
  const queue = new Queue<MemberJob>(QUEUE_NAME, { connection: { url } });
  try {
    let added = 0;
    let retried = 0;
    const jobs: { name: string; data: MemberJob; opts: { jobId: string } }[] = [];
    sweep.meta.stages.forEach((stage, s) => {
      for (const index of stage.members ?? []) {
        const member = sweep.members[index];
        jobs.push({
          name: sweep.meta.id,
          data: {
            sweepId: sweep.meta.id,
            index,
            stage: s,
            steps: stage.steps,
            label: memberLabel(sweep, member),
          },
          opts: { jobId: jobId(sweep.meta.id, index, s) },
        });
      }
    });
    for (const j of jobs) {
      const existing = await queue.getJob(j.opts.jobId);
      if (existing === undefined) {
        await queue.add(j.name, j.data, {
          ...j.opts,
          attempts: 1,
          removeOnComplete: false,
          removeOnFail: false,
        });
        added++;
      } else if ((await existing.getState()) === 'failed') {
        await (existing as Job<MemberJob>).retry('failed');
        retried++;
      }
    }
    return { added, retried };
  } finally {
    await queue.close();
  }
}
