/**
 * The web server's routes, read-only over one experiments folder: the page's static files, the
 * runs and sweeps as JSON, a run's files (sample grids, the GIF, checkpoints) by validated name,
 * and live updates as server-sent events. Every response carries a strict Content Security
 * Policy: scripts and styles only from the server's own files, no inline script, no eval.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { loadConfig } from '@gan/training/config';
import {
  checkpointPath,
  configPath,
  gifPath,
  listCheckpoints,
  listSamples,
  listSweeps,
  readMemberRuns,
  readMeta,
  readSweepMembers,
  readSweepMeta,
  SWEEP_ID_PATTERN,
  samplePath,
  sweepDir,
} from '@gan/runs';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ListEvent, RunDetail, RunSummary, SweepSummary } from '../shared/api.ts';
import { cookieValue, hostName, isLoopback, sameToken, TOKEN_COOKIE } from './access.ts';
import { generatorSpec } from './generator-spec.ts';
import { findRun, RunStore } from './store.ts';
import { ListWatch, RunWatch, safeWatch, serialized } from './watch.ts';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

export interface AppOptions {
  experimentsDir: string;
  /** The built page (index.html and assets/). */
  pageDir: string;
  /** Required from every request when set (a non-loopback address). */
  token: string | null;
}

/** The server's routes; `close` stops its watchers. */
export function createApp(options: AppOptions): { app: Hono; store: RunStore } {
  const { experimentsDir, pageDir, token } = options;
  const store = new RunStore(experimentsDir);
  const listWatch = new ListWatch(store);
  const runWatches = new Map<string, RunWatch>();
  const app = new Hono();

  app.use('*', async (c, next) => {
    const secure = (res: Response) => {
      res.headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.headers.set('X-Content-Type-Options', 'nosniff');
      res.headers.set('Referrer-Policy', 'no-referrer');
      res.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
      res.headers.set('Cross-Origin-Resource-Policy', 'same-origin');
      res.headers.set('X-Frame-Options', 'DENY');
      return res;
    };
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return secure(c.text('read-only', 405));
    if (token === null) {
      // Loopback: the Host must be a loopback name too, or a DNS name rebound to 127.0.0.1 could read.
      const host = hostName(c.req.header('host'));
      if (host === null || !isLoopback(host)) return secure(c.text('forbidden host', 403));
    } else {
      const given = c.req.query('token');
      if (given !== undefined) {
        if (!sameToken(given, token)) return secure(c.text('wrong token', 401));
        // Once: from now on the cookie carries it, and the URL (history, logs) does not.
        // One leading slash: `//host` would send the browser elsewhere.
        const res = c.redirect(`/${c.req.path.replace(/^\/+/, '')}`, 303);
        res.headers.append(
          'Set-Cookie',
          `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000`,
        );
        return secure(res);
      }
      const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      if (!sameToken(bearer ?? cookieValue(c.req.header('cookie'), TOKEN_COOKIE), token))
        return secure(c.text('token required: open the URL pnpm ui printed', 401));
    }
    await next();
    secure(c.res);
  });

  const notFound = (c: Context) => c.text('not found', 404);

  /** The run of the route's `:folder/:id`, or null (then 404). */
  const runOf = (c: Context) => findRun(experimentsDir, c.req.param('folder') ?? '', c.req.param('id') ?? '');

  app.get('/api/runs', async (c) => c.json(await store.list({ quick: true })));

  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      const send = (event: unknown) => void stream.writeSSE({ data: JSON.stringify(event) });
      // The last listing at once (the server keeps one from its start); the watch that follows
      // sends what changed since within a second.
      const first = await store.list({ quick: true, maxAgeMs: 60_000 });
      const sent: ListEvent = { type: 'runs', runs: first.runs, params: first.params };
      send(sent);
      const stop = listWatch.subscribe(send, sent);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      stop();
    }),
  );

  app.get('/api/runs/:folder/:id', async (c) => {
    const entry = await runOf(c);
    if (!entry) return notFound(c);
    const summary = await store.summary(entry);
    const configText = await readFile(configPath(entry.runDir), 'utf8').catch(() => null);
    const meta = await readMeta(entry.runDir).catch((e: Error) => ({ unreadable: e.message }));
    let generator: RunDetail['generator'];
    try {
      generator = generatorSpec(loadConfig(configPath(entry.runDir), [], { recordedRun: true }).config);
    } catch (e) {
      generator = { unavailable: `the config cannot be read: ${(e as Error).message.split('\n')[0]}` };
    }
    const [samples, checkpoints, gif] = await Promise.all([
      listSamples(entry.runDir),
      listCheckpoints(entry.runDir),
      stat(gifPath(entry.runDir)).then(
        (s) => s.isFile(),
        () => false,
      ),
    ]);
    const detail: RunDetail = {
      summary,
      configText,
      meta,
      samples: samples.map((s) => s.step),
      hasGif: gif,
      checkpoints: checkpoints.map((s) => s.step),
      generator,
    };
    return c.json(detail);
  });

  app.get('/api/runs/:folder/:id/events', async (c) => {
    const entry = await runOf(c);
    if (!entry) return notFound(c);
    const key = `${entry.configName}/${entry.runId}`;
    let watch = runWatches.get(key);
    if (!watch) {
      const created = new RunWatch(entry, store, () => runWatches.delete(key));
      runWatches.set(key, created);
      watch = created;
    }
    const w = watch;
    return streamSSE(c, async (stream) => {
      const stop = await w.subscribe((event) => void stream.writeSSE({ data: JSON.stringify(event) }));
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      stop();
    });
  });

  /** Sends a file of a run, or 404 if it is not there. */
  const sendFile = async (c: Context, path: string, type: string) => {
    try {
      const body = await readFile(path);
      return c.body(new Uint8Array(body), 200, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
    } catch {
      return notFound(c);
    }
  };
  const stepParam = (text: string | undefined): number | null =>
    text !== undefined && /^\d{1,12}$/.test(text) ? Number(text) : null;

  app.get('/api/runs/:folder/:id/samples/:step', async (c) => {
    const entry = await runOf(c);
    const step = stepParam(c.req.param('step'));
    if (!entry || step === null) return notFound(c);
    return sendFile(c, samplePath(entry.runDir, step), 'image/png');
  });
  app.get('/api/runs/:folder/:id/gif', async (c) => {
    const entry = await runOf(c);
    if (!entry) return notFound(c);
    return sendFile(c, gifPath(entry.runDir), 'image/gif');
  });
  app.get('/api/runs/:folder/:id/checkpoints/:step', async (c) => {
    const entry = await runOf(c);
    const step = stepParam(c.req.param('step'));
    if (!entry || step === null) return notFound(c);
    return sendFile(c, checkpointPath(entry.runDir, step), 'application/octet-stream');
  });

  app.get('/api/sweeps', async (c) => {
    const sweeps = await listSweeps(experimentsDir);
    const out = sweeps.map(({ id, dir }) => {
      try {
        const meta = readSweepMeta(dir);
        return { id, name: meta.name, createdAt: meta.createdAt, swept: meta.swept };
      } catch (e) {
        return { id, name: id, createdAt: null, swept: [], error: (e as Error).message };
      }
    });
    return c.json(out);
  });

  /** A sweep's members with their runs' summaries, or null if there is no such sweep. */
  const sweepSummary = async (id: string): Promise<SweepSummary | null> => {
    if (!SWEEP_ID_PATTERN.test(id)) return null;
    const dir = sweepDir(experimentsDir, id);
    let meta: ReturnType<typeof readSweepMeta>;
    let members: ReturnType<typeof readSweepMembers>;
    try {
      meta = readSweepMeta(dir);
      members = readSweepMembers(dir);
    } catch {
      return null;
    }
    const runs = await readMemberRuns(dir);
    const out: SweepSummary = {
      id,
      name: meta.name,
      status: '',
      createdAt: meta.createdAt,
      params: meta.swept,
      members: await Promise.all(
        members.map(async (m) => {
          const rel = runs.get(m.index) ?? null;
          const [folder, runId] = rel?.split('/') ?? [];
          const entry = rel ? await findRun(experimentsDir, folder ?? '', runId ?? '') : null;
          const run: RunSummary | null = entry ? await store.summary(entry) : null;
          return { key: run?.key ?? null, index: m.index, overrides: m.params, run };
        }),
      ),
    };
    const done = out.members.filter((m) => m.run?.status === 'completed').length;
    out.status = `${done}/${out.members.length} completed`;
    return out;
  };

  app.get('/api/sweeps/:id', async (c) => {
    const summary = await sweepSummary(c.req.param('id'));
    return summary ? c.json(summary) : notFound(c);
  });

  // The sweep at once, then again whenever it changes: when the runs listing does (its members'
  // runs train, start and end) or the sweep's own folder does (a member's run recorded, a stage
  // decided).
  app.get('/api/sweeps/:id/events', async (c) => {
    const id = c.req.param('id');
    const first = await sweepSummary(id);
    if (!first) return notFound(c);
    return streamSSE(c, async (stream) => {
      let last = JSON.stringify(first);
      void stream.writeSSE({ data: last });
      const resend = serialized(async () => {
        const now = await sweepSummary(id);
        const text = JSON.stringify(now);
        if (now === null || text === last) return;
        last = text;
        void stream.writeSSE({ data: text });
      });
      const listing = await store.list({ quick: true, maxAgeMs: 60_000 });
      const stop = listWatch.subscribe(resend, {
        type: 'runs',
        runs: listing.runs,
        params: listing.params,
      });
      const dir = sweepDir(experimentsDir, id);
      const watchers = [safeWatch(dir, resend), safeWatch(join(dir, 'members'), resend)];
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      stop();
      for (const w of watchers) w?.close();
    });
  });

  app.get('/', (c) => sendFile(c, join(pageDir, 'index.html'), TYPES['.html']));
  app.get('/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = TYPES[extname(file)];
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file) || !type) return notFound(c);
    const res = await sendFile(c, join(pageDir, 'assets', file), type);
    // Vite puts a content hash in every asset's name.
    if (res.status === 200) res.headers.set('Cache-Control', 'public, max-age=31536000, immutable');
    return res;
  });
  app.notFound(notFound);

  return { app, store };
}
