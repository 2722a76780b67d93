/** @jsxRuntime automatic */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { SweepMember, SweepMeta } from '@gan/runs';
import { metricsEvent, startedEvent } from '../dashboard/test-events.ts';
import { SweepDashboard } from './dashboard.tsx';
import type { Sweep } from './sweep.ts';
import {
  applyUpdate,
  followedView,
  initialView,
  type SweepRow,
  type SweepView,
  totals,
  viewRows,
} from './view.ts';

const ANSI = new RegExp(`${'\x1b'}\\[[0-9;?]*[A-Za-z]`, 'g');
let unmounts: (() => void)[] = [];
afterEach(() => {
  for (const u of unmounts) u();
  unmounts = [];
});

function sweep(n: number): Sweep {
  const members: SweepMember[] = Array.from({ length: n }, (_, index) => ({
    index,
    stage: 0,
    name: 'decay',
    seed: index + 1,
    params: { seed: index + 1 },
    config: '',
  }));
  const meta: SweepMeta = {
    formatVersion: 1,
    id: '20261128-210000-abcd-decay',
    name: 'decay',
    description: '',
    createdAt: '2026-11-28T21:00:00Z',
    source: 'command line',
    command: [],
    swept: ['seed'],
    stages: [{ steps: null, members: members.map((m) => m.index), reason: 'every member' }],
    plan: {},
  };
  return { experimentsDir: '/tmp/experiments', dir: '/tmp/experiments/_sweeps/x', meta, members };
}

/**
 * Member 0 completed, member 1 running at step 500 of 20000, member 2 queued; with `printed`,
 * member 1's rows have the article's printed D cost.
 */
function scene(printed = false): SweepView {
  const s = sweep(3);
  let v = initialView(s, 2);
  const now = 1000;
  v = applyUpdate(
    v,
    { type: 'stage', stage: 0, members: [0, 1, 2], reason: 'every member', steps: null },
    now,
    s,
  );
  for (const i of [0, 1, 2]) v = applyUpdate(v, { type: 'queued', index: i }, now, s);
  v = applyUpdate(
    v,
    { type: 'done', index: 0, status: 'completed', step: 20000, run: 'decay/20261128-210001-aaaa' },
    now,
    s,
  );
  v = applyUpdate(v, { type: 'opened', index: 1, run: 'decay/20261128-210002-bbbb', resumed: false }, now, s);
  v = applyUpdate(v, { type: 'event', index: 1, event: startedEvent(20000) }, now, s);
  v = applyUpdate(v, { type: 'event', index: 1, event: metricsEvent(250, printed) }, now + 1000, s);
  v = applyUpdate(v, { type: 'event', index: 1, event: metricsEvent(500, printed) }, now + 2000, s);
  return v;
}

describe('the sweep view', () => {
  it('has a row per member and totals with an ETA', () => {
    const rows = viewRows(scene());
    expect(rows.map((r) => [r.index, r.label, r.status, r.step])).toEqual([
      [0, 'seed=1', 'completed', 20000],
      [1, 'seed=2', 'running', 500],
      [2, 'seed=3', 'queued', null],
    ]);
    expect(rows[1].total).toBe(20000);
    expect(rows[1].stepsPerSec).toBeGreaterThan(0);
    expect(rows[1].dLoss).not.toBeNull();
    expect(rows[1].dCostPrinted).toBeNull();
    const t = totals(rows, 2);
    expect(t.byStatus).toEqual({ completed: 1, running: 1, queued: 1 });
    expect(t.left).toBe(2);
    expect(t.etaSec).not.toBeNull();
    expect(t.etaSec!).toBeGreaterThanOrEqual(rows[1].etaSec!);
  });

  it('draws the rows, the totals and the keys at a fixed width', () => {
    const r = render(<SweepDashboard view={scene()} width={140} height={14} selected={1} keys />);
    unmounts.push(r.unmount);
    const frame = (r.lastFrame() ?? '').replace(ANSI, '');
    const lines = frame.split('\n');
    expect(lines.length).toBe(14);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(140);
    expect(frame).toMatch(/sweep decay {2}20261128-210000-abcd-decay {2}3 members {2}jobs 2/);
    expect(frame).toMatch(/1\/3 ended {2}1 completed, 1 running, 1 queued {2}ETA \d/);
    expect(frame).toMatch(/^ +0 seed=1 +completed +20000 /m);
    expect(frame).toMatch(/^ +1 seed=2 +running +500\/20000 /m);
    expect(frame).toMatch(/^ +2 seed=3 +queued /m);
    expect(frame).toContain('#1: /tmp/experiments/decay/20261128-210002-bbbb');
    expect(frame).toContain("enter: the member's run dashboard  s: stop it  q: stop all");
    expect(frame).toMatch(/ D loss +G loss +D\(x\) /);
    expect(frame).not.toContain('Dprt');
  });

  it("shows the article's printed D cost beside the D loss when a member logs it", () => {
    const v = scene(true);
    expect(viewRows(v)[1].dCostPrinted).toBeCloseTo(-0.4994, 4);
    const r = render(<SweepDashboard view={v} width={140} height={14} selected={1} keys />);
    unmounts.push(r.unmount);
    const frame = (r.lastFrame() ?? '').replace(ANSI, '');
    expect(frame).toMatch(/ {4}D loss {6}Dprt {4}G loss /);
    expect(frame).toMatch(/^ +1 seed=2 +running +500\/20000 .* 1\.4991 +-0\.4994 +0\.6199 /m);
    expect(frame).toMatch(/^ +0 seed=1 +completed +20000 .* - +- +- /m);
  });

  it('follows a queued sweep from the rows its workers report: no keys to stop members there', () => {
    const s = sweep(3);
    const row = (index: number, status: string, step: number | null, note: string | null): SweepRow => ({
      index,
      label: `seed=${index + 1}`,
      status,
      step,
      total: 20000,
      stepsPerSec: status === 'running' ? 100 : null,
      etaSec: status === 'running' ? 150 : null,
      dLoss: null,
      dCostPrinted: null,
      gLoss: null,
      dReal: null,
      dFake: null,
      modes: null,
      fd: null,
      run: null,
      note,
    });
    const rows = [
      row(0, 'completed', 20000, null),
      row(1, 'running', 5000, 'on box-2:812'),
      row(2, 'queued', null, null),
    ];
    const first = followedView(s, rows, null);
    expect(viewRows(first)).toBe(rows);
    expect(first.jobs).toBe(1);
    const next = followedView(
      s,
      rows,
      first,
      'the queue at redis://127.0.0.1:6379 is unreachable (x); retrying',
    );
    expect(next.version).toBe(first.version + 1);

    const r = render(<SweepDashboard view={next} width={140} height={12} selected={1} keys />);
    unmounts.push(r.unmount);
    const frame = (r.lastFrame() ?? '').replace(ANSI, '');
    expect(frame).toMatch(/sweep decay {2}20261128-210000-abcd-decay {2}3 members {2}on the queue/);
    expect(frame).toContain('the queue at redis://127.0.0.1:6379 is unreachable (x); retrying');
    expect(frame).toMatch(/^ +1 seed=2 +running +5000\/20000 /m);
    expect(frame).toContain('#1: on box-2:812');
    expect(frame).toContain('q: stop following (the workers go on)');
    expect(frame).not.toContain('s: stop it');
  });
});
