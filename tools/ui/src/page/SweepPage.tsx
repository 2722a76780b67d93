/** Sweeps: the list, and one sweep's members, progress and final score against each swept key. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { SweepSummary } from '../shared/api.ts';
import { fetchSweep, fetchSweeps, followSweep } from './api.ts';
import { ScoreCards } from './Charts.tsx';
import { charted, LiveChart } from './charts.ts';
import { fmt } from './format.ts';
import { StatusLine } from './RunPage.tsx';

export function SweepsPage() {
  const [list, setList] = useState<Awaited<ReturnType<typeof fetchSweeps>> | null>(null);
  useEffect(() => {
    fetchSweeps().then(setList, () => setList([]));
  }, []);
  if (!list) return <p class="muted">loading…</p>;
  return (
    <section>
      <h1>Sweeps</h1>
      {list.length === 0 && <p class="muted">No sweep in this experiments folder (pnpm sweep makes them).</p>}
      <ul>
        {list.map((s) => (
          <li key={s.id}>
            <a href={`#/sweep/${s.id}`}>{s.name}</a> <span class="mono muted">{s.id}</span> · swept:{' '}
            {s.swept.join(', ') || '–'} {s.error && <span class="error">{s.error}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The score shown against the swept keys: the FD when evaluated, else the last D(G(z)). */
function scoreOf(m: SweepSummary['members'][number]): { value: number; name: string } | null {
  const fd = m.run?.latestEval.frechetDistance;
  if (typeof fd === 'number') return { value: fd, name: 'Fréchet distance' };
  const v = m.run?.last.dFake;
  return typeof v === 'number' ? { value: v, name: 'final D(G(z))' } : null;
}

/**
 * The score against swept key `param`, one point a member: a chart from two members scored on, a
 * number before.
 */
function ParamChart({ sweep, param }: { sweep: SweepSummary; param: string }) {
  const box = useRef<HTMLDivElement>(null);
  const points = useMemo(
    () =>
      sweep.members.flatMap((m) => {
        const s = scoreOf(m);
        const x = m.overrides[param];
        return s && typeof x === 'number' ? [{ step: x, value: s.value, series: s.name }] : [];
      }),
    [sweep, param],
  );
  // One series: two points of it make a chart.
  const chart = charted(points.map((p) => ({ ...p, series: '' })));
  useEffect(() => {
    if (!chart) return;
    const el = document.createElement('div');
    el.dataset.metric = `param:${param}`;
    box.current!.textContent = '';
    box.current!.append(el);
    const name = points[0]?.series ?? 'score';
    const xs = points.map((p) => p.step);
    const live = new LiveChart(el, {
      title: `${name} against ${param}`,
      series: [name],
      points: true,
      xTitle: param,
      xLog: xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 20,
    });
    live.replace([...points].sort((a, b) => a.step - b.step));
    return () => live.close();
  }, [points, chart]);
  if (!chart)
    return (
      <ScoreCards
        cards={[
          {
            id: `param:${param}`,
            title: `${points[0]?.series ?? 'score'} against ${param}`,
            values: points.map((p) => ({ label: '', value: p.value, where: `${param} = ${fmt(p.step)}` })),
          },
        ]}
      />
    );
  return <div ref={box} />;
}

export function SweepPage({ id }: { id: string }) {
  const [sweep, setSweep] = useState<SweepSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // The summary at once (or why not), then each change pushed by the server.
    fetchSweep(id).then(
      (s) => live && setSweep(s),
      (e: Error) => live && setError(e.message),
    );
    const close = followSweep(id, (s) => live && setSweep(s));
    return () => {
      live = false;
      close();
    };
  }, [id]);
  if (error) return <p class="error">{error}</p>;
  if (!sweep) return <p class="muted">loading…</p>;
  const numeric = sweep.params.filter((p) => sweep.members.some((m) => typeof m.overrides[p] === 'number'));
  return (
    <section>
      <h1>
        Sweep {sweep.name} <span class="mono muted">{sweep.id}</span>
      </h1>
      <p id="sweep-status">{sweep.status}</p>
      <div class="charts">
        {numeric.map((p) => (
          <ParamChart key={p} sweep={sweep} param={p} />
        ))}
      </div>
      <div class="table-box">
        <table>
          <thead>
            <tr>
              <th>#</th>
              {sweep.params.map((p) => (
                <th key={p}>{p}</th>
              ))}
              <th>run</th>
              <th>progress</th>
              <th>score</th>
            </tr>
          </thead>
          <tbody>
            {sweep.members.map((m) => (
              <tr key={m.index}>
                <td>{m.index}</td>
                {sweep.params.map((p) => (
                  <td key={p}>{fmt(m.overrides[p])}</td>
                ))}
                <td>
                  {m.run ? (
                    <a href={`#/run/${m.run.key}`}>{m.run.runId}</a>
                  ) : (
                    <span class="muted">not started</span>
                  )}
                </td>
                <td>{m.run && <StatusLine run={m.run} />}</td>
                <td class="num">{fmt(scoreOf(m)?.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
