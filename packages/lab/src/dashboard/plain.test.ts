import { Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { evaluateRing } from '@gan/training';
import { metricsEvent, startedEvent } from './test-events.ts';
import { plainLogger } from './plain.ts';

/** The lines of a started event and the metrics of steps 10 and 20, printing every 10 steps. */
function lines(printed: boolean): string[] {
  const out: string[] = [];
  const log = plainLogger(10, (line) => out.push(line));
  log(startedEvent(20));
  log(metricsEvent(10, printed));
  log(metricsEvent(20, printed));
  return out;
}

describe('plainLogger', () => {
  it('writes d_loss= for a run that logs the loss D descends, as it always has', () => {
    const [started, ...steps] = lines(false);
    expect(started).toMatch(
      /^started name=decay run=\S+ seed=127 steps=0\/20 backend=reference params_g=1234567 params_d=100609$/,
    );
    expect(steps).toHaveLength(2);
    for (const line of steps) {
      expect(line).toMatch(/^step=\d+\/20 d_loss=1\.\d{4} g_loss=\S+ d_real=\S+ d_fake=\S+ lr_d=/);
      expect(line).not.toContain('d_cost_printed');
    }
  });

  it("says when a run is float64 or on numpy's stream, after the backend", () => {
    const out: string[] = [];
    plainLogger(10, (line) => out.push(line))({ ...startedEvent(20), precision: 'float64', stream: 'numpy' });
    expect(out[0]).toMatch(/ backend=reference precision=float64 stream=numpy params_g=/);
  });

  it("writes the article's printed cost as d_cost_printed=, right after d_loss=", () => {
    const [started, ...steps] = lines(true);
    expect(started).toMatch(/ params_d=100609$/);
    expect(steps).toEqual([
      expect.stringMatching(/^step=10\/20 d_loss=1\.3067 d_cost_printed=-0\.0173 g_loss=\S+ d_real=/),
      expect.stringMatching(/^step=20\/20 d_loss=1\.3133 d_cost_printed=-0\.0341 g_loss=\S+ d_real=/),
    ]);
  });

  it('writes a step whose printed cost is not finite, between the printed steps too', () => {
    const out: string[] = [];
    const log = plainLogger(10, (line) => out.push(line));
    log(startedEvent(20));
    const e = metricsEvent(13, true);
    log(e);
    log({ ...e, row: { ...e.row, dCostPrinted: -Infinity } });
    expect(out.slice(1)).toEqual([
      expect.stringMatching(/^step=13\/20 d_loss=\S+ d_cost_printed=-Infinity /),
    ]);
  });

  it('writes one greppable line per evaluation', () => {
    const points = new Tensor(Float32Array.from([2, 0, 0, 2, -2, 0, 0, -2]), [4, 2]);
    const out: string[] = [];
    plainLogger(1000, (l) => out.push(l))({ type: 'eval', step: 60, result: evaluateRing(points) });
    expect(out).toEqual([expect.stringMatching(/^eval step=60 modes=4\/8 hq=1\.000 kl=/)]);
  });
});
