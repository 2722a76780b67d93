/**
 * A private redis-server: started on a free loopback port with its own temporary folder (never
 * a system service), stopped (and its folder removed) by `stop()`; killed and restarted on the
 * same port and data by the distributed fault scenarios (distributed.ts) and the queue's tests.
 *
 * ```ts
 * const redis = await startRedis();
 * // ... pnpm worker --queue ${redis.url} ...
 * await redis.stop();
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
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

/**
 * Starts redis-server on loopback; `appendonly` keeps the queue across a restart (default yes);
 * `server` is the program (default `redis-server`, found on the PATH).
 */
export async function startRedis(
  options: { appendonly?: boolean; server?: string } = {},
): Promise<RedisServer> {
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
    const child = spawn(options.server ?? 'redis-server', args, { stdio: 'ignore' });
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
  const redis: RedisServer = {
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
