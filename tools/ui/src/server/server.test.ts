import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupRuns, loadRuns } from '@gan/report';
import { JsonlWriter, metricsPath } from '@gan/runs';
import { metricsRow, writeRun } from '../fixtures.ts';
import type { RunEvent } from '../shared/api.ts';
import { hostName, isLoopback } from './access.ts';
import { CONTENT_SECURITY_POLICY, createApp } from './app.ts';
import { configKey, findRun, RunStore } from './store.ts';
import { FileTail } from './tail.ts';
import { RunWatch } from './watch.ts';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ui-server-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('FileTail', () => {
  it('reads only the bytes appended since the last read, and waits for a cut line to end', async () => {
    const file = join(temp(), 'metrics.jsonl');
    const tail = new FileTail(file);
    expect(await tail.read()).toEqual({ rows: [], reset: false }); // no file yet
    writeFileSync(file, '{"step":1,"dLoss":1}\n{"step":2,"dLo');
    expect((await tail.read()).rows).toEqual([{ step: 1, dLoss: 1 }]);
    const before = tail.position;
    appendFileSync(file, 'ss":2}\n{"step":3,"dLoss":"NaN"}\n');
    const next = await tail.read();
    expect(next.rows).toEqual([
      { step: 2, dLoss: 2 },
      { step: 3, dLoss: Number.NaN },
    ]);
    expect(tail.position).toBeGreaterThan(before);
    expect((await tail.read()).rows).toEqual([]);
    // Reads asked for at once take their turns: each row once.
    appendFileSync(file, '{"step":4,"dLoss":4}\n');
    const both = await Promise.all([tail.read(), tail.read()]);
    expect(both.flatMap((r) => r.rows)).toEqual([{ step: 4, dLoss: 4 }]);
    // A resume rewrites the file shorter: start over and say so.
    truncateSync(file, 0);
    writeFileSync(file, '{"step":1,"dLoss":5}\n');
    expect(await tail.read()).toEqual({ rows: [{ step: 1, dLoss: 5 }], reset: true });
  });
});

describe('configKey', () => {
  it("groups runs as the report's default groups do: the config but the seed; an unreadable config alone", async () => {
    const dir = temp();
    const made = [
      await writeRun(dir, { name: 'alpha', seed: 1 }),
      await writeRun(dir, { name: 'alpha', seed: 2 }),
      await writeRun(dir, { name: 'alpha', seed: 1, lr: 0.002 }),
      await writeRun(dir, { name: 'beta', seed: 1 }),
      await writeRun(dir, { name: 'broken', seed: 1 }),
      await writeRun(dir, { name: 'broken', seed: 2 }),
    ];
    for (const r of made.slice(4)) writeFileSync(join(r.runDir, 'config.yaml'), 'seed: [unclosed\n');
    const { runs } = await loadRuns(dir);
    // The same partition of the runs, whatever the order of groups and runs.
    const partition = (groups: string[][]) => groups.map((g) => [...g].sort().join(' ')).sort();
    const byReport = groupRuns(runs, { kind: 'seed-excluded' }).map((g) => g.runs.map((r) => r.runDir));
    expect(byReport).toHaveLength(5);
    const byKey = new Map<string, string[]>();
    for (const r of runs) byKey.set(configKey(r), [...(byKey.get(configKey(r)) ?? []), r.runDir]);
    expect(partition([...byKey.values()])).toEqual(partition(byReport));
  });
});

describe("metrics columns: an old run's printed D cost is read as today's dCostPrinted", async () => {
  const dir = temp();
  const seeds = { old: 1, current: 2, objective: 3 };
  const made = {
    old: await writeRun(dir, { name: 'article', seed: seeds.old, rows: 3, printedCost: 'old' }),
    current: await writeRun(dir, { name: 'article', seed: seeds.current, rows: 3, printedCost: 'current' }),
    objective: await writeRun(dir, { name: 'baseline', seed: seeds.objective, rows: 3 }),
  };
  /** Row `step` of `run` as today's columns mean it (an old run did not log the loss D descends). */
  const today = (run: keyof typeof made, step: number) => {
    const row = metricsRow(step, seeds[run], run === 'objective' ? undefined : 'current');
    if (run === 'old') delete row.dLoss;
    return row;
  };
  const pick = (row: Record<string, number>, keys: string[]) =>
    Object.fromEntries(keys.filter((k) => k in row).map((k) => [k, row[k]]));

  it("lists dCostPrinted for the runs that log it, and an old run's without a D loss", async () => {
    const store = new RunStore(dir);
    const { runs } = await store.list();
    const listed = ['step', 'dLoss', 'dCostPrinted', 'gLoss', 'dReal', 'dFake'];
    for (const run of ['old', 'current', 'objective'] as const) {
      const summary = runs.find((r) => r.key === made[run].key);
      expect(summary?.last, run).toEqual(pick(today(run, 30), listed));
      const entry = await findRun(dir, ...(made[run].key.split('/') as [string, string]));
      expect((await store.summary(entry!)).last, run).toEqual(today(run, 30));
    }
    expect(Object.keys(runs.find((r) => r.key === made.old.key)?.last ?? {})).not.toContain('dLoss');
    expect(Object.keys(runs.find((r) => r.key === made.objective.key)?.last ?? {})).not.toContain(
      'dCostPrinted',
    );
  });

  it("sends the rows of a run page, its history and appended rows, as today's columns", async () => {
    const store = new RunStore(dir);
    for (const run of ['old', 'current', 'objective'] as const) {
      const entry = await findRun(dir, ...(made[run].key.split('/') as [string, string]));
      const sent: Record<string, number>[] = [];
      let appended = () => {};
      const more = new Promise<void>((resolve) => (appended = resolve));
      const watch = new RunWatch(entry!, store, () => {});
      const stop = await watch.subscribe((e: RunEvent) => {
        if (e.type !== 'rows' || e.file !== 'metrics') return;
        sent.push(...e.rows);
        if (!e.reset) appended();
      });
      // Appended as the run logged it (an old run: the printed cost in dLoss).
      const log = new JsonlWriter(metricsPath(made[run].runDir), { fsyncIntervalMs: 60_000 });
      log.write(metricsRow(40, seeds[run], run === 'objective' ? undefined : run));
      log.close();
      await more;
      stop();
      expect(sent, run).toEqual([10, 20, 30, 40].map((step) => today(run, step)));
    }
  });
});

describe('access', () => {
  it('knows loopback hosts and parses Host headers', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.2', 'example.com', '128.0.0.1'].some(isLoopback)).toBe(false);
    expect(hostName('localhost:8080')).toBe('localhost');
    expect(hostName('[::1]:80')).toBe('::1');
    expect(hostName('evil.example')).toBe('evil.example');
  });
});

describe('the app', async () => {
  const dir = temp();
  const run = await writeRun(dir, { name: 'alpha', rows: 3, samples: [10] });
  const pageDir = temp();
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>t</title>');

  it('finds runs only by names shaped as @gan/runs makes them', async () => {
    const [folder, id] = run.key.split('/');
    expect(await findRun(dir, folder, id)).not.toBeNull();
    for (const [f, i] of [
      ['..', id],
      [folder, '..'],
      ['../alpha', id],
      [folder, `${id}/..`],
      ['alpha.', id],
      ['', id],
      [folder, '20261128-000000-zzzz'],
    ])
      expect(await findRun(dir, f, i)).toBeNull();
  });

  it('serves loopback requests with a strict CSP, refuses other Host names and writes', async () => {
    const { app } = createApp({ experimentsDir: dir, pageDir, token: null });
    const get = (path: string, headers: Record<string, string> = { host: '127.0.0.1:8080' }) =>
      app.request(path, { headers });
    const home = await get('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    expect((await get('/api/runs')).status).toBe(200);
    expect((await get(`/api/runs/${run.key}/samples/10`)).headers.get('content-type')).toBe('image/png');
    expect((await get(`/api/runs/${run.key}/samples/11`)).status).toBe(404);
    expect((await get('/api/runs', { host: 'rebound.example:8080' })).status).toBe(403);
    expect((await app.request('/api/runs', { method: 'POST', headers: { host: 'localhost' } })).status).toBe(
      405,
    );
  });

  it('asks for the token on a non-loopback address, then keeps it in a cookie', async () => {
    const token = 'secret-token-for-the-test';
    const { app } = createApp({ experimentsDir: dir, pageDir, token });
    const host = { host: '10.0.0.5:8080' };
    expect((await app.request('/api/runs', { headers: host })).status).toBe(401);
    expect((await app.request('/?token=wrong', { headers: host })).status).toBe(401);
    const first = await app.request(`/?token=${token}`, { headers: host });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/'); // the token leaves the URL
    const elsewhere = await app.request(`//evil.example/x?token=${token}`, { headers: host });
    expect(elsewhere.headers.get('location')).toBe('/evil.example/x');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const again = await app.request('/api/runs', { headers: { ...host, cookie: cookie.split(';')[0] } });
    expect(again.status).toBe(200);
    const bearer = await app.request('/api/runs', { headers: { ...host, authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);
  });
});
