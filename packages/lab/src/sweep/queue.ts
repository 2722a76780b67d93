/**
 * The run queue's shared parts: a sweep's members are BullMQ jobs in Redis (one per member and
 * stage), put there by the producer (queue-producer.ts, `pnpm sweep --queue`), followed and
 * listed by the follower (queue-follower.ts), and trained by the workers (queue-worker.ts,
 * `pnpm worker`) on any number of machines that share the experiments folder. Here: the queue's
 * name, what a job and its progress say, and the connection to Redis.
 */
import { Redis } from 'ioredis';
import type { RunMeta } from '@gan/runs';

/** The queue every sweep's jobs go to (one queue: workers need not know the sweeps). */
export const QUEUE_NAME = 'gan-lab-members';

/** What a job says: train member `index` of sweep `sweepId` to `steps` (null: its config's). */
export interface MemberJob {
  sweepId: string;
  index: number;
  stage: number;
  steps: number | null;
  label: string;
}

/** What a worker reports while a member trains. */
export interface MemberProgress {
  status: string;
  run: string | null;
  step: number | null;
  total: number | null;
  stepsPerSec: number | null;
  dLoss: number | null;
  dCostPrinted: number | null;
  gLoss: number | null;
  dReal: number | null;
  dFake: number | null;
  modes: number | null;
  fd: number | null;
  worker: string;
  resumed: boolean;
}

/** What a finished job returns. */
export interface MemberResult {
  status: RunMeta['status'] | 'taken-over';
  step: number;
  run: string;
  message: string | null;
}

/** `member.3.stage.0` of a sweep: one job per member and stage, so enqueuing twice adds nothing. */
export function jobId(sweepId: string, index: number, stage: number): string {
  return `${sweepId}.member-${index}.stage-${stage}`;
}

/** Checks a queue URL: `redis://[user:password@]host:port[/db]` (rediss:// for TLS). */
export function checkQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue: expected redis://host:port, got "${url}"`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new Error(`--queue: expected redis://host:port, got "${url}"`);
  return url;
}

/** The URL without its password, for messages. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** A Redis client for our own reads (pings, fast listings); fails fast while Redis is away. */
export function redisClient(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    connectTimeout: 3000,
  });
}

/** Throws a clear error unless Redis answers at `url` within a few seconds. */
export async function assertReachable(url: string): Promise<void> {
  const client = redisClient(url);
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new Error(`the queue at ${shownUrl(url)} is unreachable: ${(e as Error).message}`);
  } finally {
    client.disconnect();
  }
}

export function parseJson<T>(text: string | null | undefined): T | null {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
