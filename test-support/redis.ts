/**
 * A private redis-server for a test (tools/faults/src/redis.ts: started on a free loopback port
 * with its own folder, never a system service). The tests that use it declare
 * {@link redisRequirement}, so a machine without Debian's redis-server skips them with one line
 * locally and fails them in CI.
 *
 * ```ts
 * const redis = await startRedis();
 * // ... new Queue('q', { connection: { url: redis.url } }) ...
 * await redis.stop();
 * ```
 */
import { freePort, type RedisServer, startRedis as startRedisServer } from '../tools/faults/src/redis.ts';
import { commandRuns, type Requirement } from './requirements.ts';

export const REDIS_SERVER = process.env.REDIS_SERVER || 'redis-server';

export const redisRequirement: Requirement = {
  missing: commandRuns(REDIS_SERVER, ['--version']) ? null : 'redis-server not found',
  enable: 'apt-get install redis-server (node test-support/ensure-system.mjs does it)',
};

export type TestRedis = RedisServer;
export { freePort };

/** Starts redis-server on loopback; `appendonly` keeps the queue across a restart (default yes). */
export function startRedis(options: { appendonly?: boolean } = {}): Promise<TestRedis> {
  return startRedisServer({ ...options, server: REDIS_SERVER });
}
