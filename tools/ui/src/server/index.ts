/**
 * @gan/ui: `pnpm ui`, a live web view of the runs and sweeps of an experiments folder, with the
 * generator running in the page. The server reads run folders only through @gan/runs.
 */
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { serve } from '@hono/node-server';
import { isLoopback, newToken } from './access.ts';
import { createApp } from './app.ts';
import { ensurePageBuilt, PAGE_DIR } from './build-page.ts';

export { CONTENT_SECURITY_POLICY, createApp } from './app.ts';
export { buildPage, ensurePageBuilt, PAGE_DIR } from './build-page.ts';
export { FileTail } from './tail.ts';

export interface UiServerOptions {
  experimentsDir: string;
  /** Default 127.0.0.1. Any other address requires the token. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** The token for a non-loopback host (default: a fresh random one). */
  token?: string;
}

export interface UiServer {
  /** The address to open (with `?token=` for a non-loopback host). */
  url: string;
  /** The bare address. */
  origin: string;
  token: string | null;
  close(): Promise<void>;
}

/** Builds the page if needed, then serves it and the experiments folder. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const token = isLoopback(host) ? null : (options.token ?? newToken());
  await ensurePageBuilt();
  const { app, store } = createApp({ experimentsDir: options.experimentsDir, pageDir: PAGE_DIR, token });
  // Read every run once now, so the first listing in the page is served from the cache.
  await store.list();
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 8080 }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  // Every interface: name the machine, the address others can reach it by.
  const name = host === '0.0.0.0' || host === '::' ? hostname() : host;
  const shown = name.includes(':') ? `[${name}]` : name;
  const origin = `http://${shown}:${port}`;
  return {
    origin,
    url: token === null ? `${origin}/` : `${origin}/?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
