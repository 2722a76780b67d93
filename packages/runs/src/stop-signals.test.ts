import { afterEach, describe, expect, it } from 'vitest';
import { onStopRequest, type StopRequest, startedByPackageManager } from './stop-signals.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('onStopRequest', () => {
  let off: () => void = () => {};
  afterEach(() => off());

  const listen = (duplicateMs = 50) => {
    const got: StopRequest[] = [];
    off = onStopRequest((r) => got.push(r), { watchParent: false, duplicateMs });
    return got;
  };

  it('takes one signal delivered twice at once (pnpm passing on a Ctrl-C the program also got) as one request', () => {
    const got = listen();
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGINT', 'SIGINT');
    expect(got).toEqual([{ source: 'SIGINT', count: 1 }]);
  });

  it('counts a second SIGTERM or SIGINT that comes later as "again"', async () => {
    const got = listen();
    process.emit('SIGTERM', 'SIGTERM');
    await sleep(80);
    process.emit('SIGINT', 'SIGINT');
    expect(got).toEqual([
      { source: 'SIGTERM', count: 1 },
      { source: 'SIGINT', count: 2 },
    ]);
  });

  it('never escalates on a hangup: SIGHUP after a first request changes nothing', async () => {
    const got = listen();
    process.emit('SIGHUP', 'SIGHUP');
    await sleep(80);
    process.emit('SIGHUP', 'SIGHUP');
    process.emit('SIGTERM', 'SIGTERM');
    expect(got.map((r) => `${r.source} ${r.count}`)).toEqual(['SIGHUP 1', 'SIGTERM 2']);
  });

  it('removes its handlers when told', () => {
    const before = process.listenerCount('SIGTERM');
    const got = listen();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    off();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(got).toEqual([]);
  });

  it('watches the parent only under a package manager script', () => {
    expect(startedByPackageManager({ npm_lifecycle_event: 'exp' })).toBe(true);
    expect(startedByPackageManager({})).toBe(false);
  });
});
