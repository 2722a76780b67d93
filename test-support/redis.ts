/**
 * A private redis-server for a test: started on a free loopback port with its own temporary
 * folder (never a system service), stopped (and its folder removed) by `stop()`. The tests that
 * use it declare {@link redisRequirement}, so a machine without Debian's redis-server skips them
 * with one line locally and fails them in CI.
 *
 * ```ts
 * const redis = await startRedis();
 * // ... new Queue('q', { connection: { url: redis.url } }) ...
 * await redis.stop();
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandRuns, type Requirement } from './requirements.ts';

export const REDIS_SERVER = process.env.REDIS_SERVER || 'redis-server';

export const redisRequirement: Requirement = {
  missing: commandRuns(REDIS_SERVER, ['--version']) ? null : 'redis-server not found',
  enable: 'apt-get install redis-server (node test-support/ensure-system.mjs does it)',
};

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its folder. */
  stop(): Promise<void>;
  /** Stops it without removing its folder (its data stays for a restart on the same port). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and folder. */
  restart(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts redis-server on loopback; `appendonly` keeps the queue across a restart (default yes). */
export async function startRedis(options: { appendonly?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'test-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendonly === false ? 'no' : 'yes',
    '--maxmemory-policy',
    'noeviction',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
  ];
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port} (see ${dir}/redis.log)`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return child;
  };
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: await launch(),
    async kill(signal = 'SIGTERM') {
      const child = redis.process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    async restart() {
      await redis.kill();
      redis.process = await launch();
    },
    async stop() {
      await redis.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return redis;
}
