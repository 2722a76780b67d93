/** The page's side of the server's API: JSON fetches and server-sent event streams. */
import type { ListEvent, RunDetail, RunEvent, RunsResponse, SweepSummary } from '../shared/api.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (!res.ok) throw new HttpError(res.status, `${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

/** `<folder>/<run-id>` as a URL path (each part encoded). */
export const runPath = (key: string): string =>
  `/api/runs/${key
    .split('/')
    .map((p) => encodeURIComponent(p))
    .join('/')}`;

export const fetchRuns = () => getJson<RunsResponse>('/api/runs');
export const fetchRun = (key: string) => getJson<RunDetail>(runPath(key));
export const fetchSweeps = () =>
  getJson<{ id: string; name: string; createdAt: string | null; swept: string[]; error?: string }[]>(
    '/api/sweeps',
  );
export const fetchSweep = (id: string) => getJson<SweepSummary>(`/api/sweeps/${encodeURIComponent(id)}`);

/** Follows an event stream; returns the function that closes it. */
function follow<E>(path: string, onEvent: (e: E) => void): () => void {
  const source = new EventSource(path);
  source.onmessage = (m) => {
    try {
      onEvent(JSON.parse(m.data as string) as E);
    } catch {
      // a malformed event is dropped, never the page
    }
  };
  return () => source.close();
}

export const followRun = (key: string, onEvent: (e: RunEvent) => void) =>
  follow(`${runPath(key)}/events`, onEvent);
export const followRuns = (onEvent: (e: ListEvent) => void) => follow('/api/events', onEvent);
/** A sweep's summary at once, then each time it changes. */
export const followSweep = (id: string, onSummary: (s: SweepSummary) => void) =>
  follow(`/api/sweeps/${encodeURIComponent(id)}/events`, onSummary);
