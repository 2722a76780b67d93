/**
 * The page of `pnpm ui`: a hash router over the runs, a run, compare and the sweeps. Every string
 * from a run reaches the DOM as text (Preact escapes it; nothing here sets HTML), and the server's
 * Content Security Policy allows no inline script.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ComparePage } from './ComparePage.tsx';
import { RunPage } from './RunPage.tsx';
import { RunsPage } from './RunsPage.tsx';
import { SweepPage, SweepsPage } from './SweepPage.tsx';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Route({ hash }: { hash: string }) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  if (parts[0] === 'run' && parts.length === 3)
    return <RunPage key={`${parts[1]}/${parts[2]}`} runKey={`${parts[1]}/${parts[2]}`} />;
  if (parts[0] === 'compare') {
    const keys = (params.get('runs') ?? '').split(',').filter((k) => k !== '');
    return <ComparePage keys={keys} by={params.get('by') ?? ''} />;
  }
  if (parts[0] === 'sweeps') return <SweepsPage />;
  if (parts[0] === 'sweep' && parts.length === 2) return <SweepPage id={parts[1]} />;
  return <RunsPage />;
}

function App() {
  const hash = useHash();
  return (
    <>
      <nav>
        <strong>gan-lab</strong> <a href="#/">runs</a> <a href="#/compare">compare</a>{' '}
        <a href="#/sweeps">sweeps</a>
      </nav>
      <main>
        <Route hash={hash} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
