/**
 * A network partition between one worker and Redis, on loopback: the worker connects through this
 * TCP proxy, which can be cut (nothing gets through either way, connections stay open, as when
 * packets are dropped) and healed (what was held back is delivered, as TCP retransmits it).
 *
 * ```ts
 * const link = await startPartition(redis.port);
 * // worker --queue redis://127.0.0.1:${link.port}
 * link.cut(); ... link.heal();
 * await link.close();
 * ```
 */
import { createServer, type Socket, connect } from 'node:net';

export interface Partition {
  /** The port to connect to instead of the target's. */
  port: number;
  cut(): void;
  heal(): void;
  readonly isCut: boolean;
  close(): Promise<void>;
}

/** A proxy to `127.0.0.1:targetPort` that can be cut and healed. */
export async function startPartition(targetPort: number): Promise<Partition> {
  let cut = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (data: Buffer) => {
      if (cut) held.push(() => to.write(data));
      else to.write(data);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the partition proxy has no port');
  return {
    port: address.port,
    get isCut() {
      return cut;
    },
    cut() {
      cut = true;
    },
    heal() {
      cut = false;
      for (const deliver of held.splice(0)) deliver();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
