import { Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { evaluateRing } from '@gan/training';
import type { DLossInfo } from './dloss.ts';
import { ARTICLE_PRINTED_LOSS, metricsEvent, OBJECTIVE_LOSS, startedEvent } from './test-events.ts';
import { plainLogger } from './plain.ts';

/** The lines of a started event and the metrics of steps 10 and 20, printing every 10 steps. */
function lines(loss: DLossInfo, printed: boolean): string[] {
  const out: string[] = [];
  const log = plainLogger(10, (line) => out.push(line));
  log(startedEvent(20, loss));
  log(metricsEvent(10, printed));
  log(metricsEvent(20, printed));
  return out;
}

describe('plainLogger', () => {
  it('writes d_loss= for a run that logs the loss D descends, as it always has', () => {
    const [started, ...steps] = lines(OBJECTIVE_LOSS, false);
    expect(started).toMatch(
      /^started name=decay run=\S+ seed=127 steps=0\/20 backend=reference params_g=1234567 params_d=100609$/,
    );
    expect(steps).toHaveLength(2);
    for (const line of steps) {
      expect(line).toMatch(/^step=\d+\/20 d_loss=1\.\d{4} g_loss=\S+ d_real=\S+ d_fake=\S+ lr_d=/);
      expect(line).not.toContain('d_cost_printed');
    }
  });

  it("writes d_cost_printed= for the article's printed cost, and says so once when it starts", () => {
    const [started, ...steps] = lines(ARTICLE_PRINTED_LOSS, true);
    expect(started).toMatch(/^started name=decay .* params_d=100609 d_loss=article-printed$/);
    expect(steps).toEqual([
      expect.stringMatching(/^step=10\/20 d_cost_printed=-0\.0173 g_loss=\S+ d_real=/),
      expect.stringMatching(/^step=20\/20 d_cost_printed=-0\.0341 g_loss=\S+ d_real=/),
    ]);
    for (const line of steps) expect(line).not.toMatch(/\bd_loss=/);
  });

  it('names the printed cost so also when D descends it (loss.discriminator: flipped)', () => {
    const [started, step] = lines(
      { discriminator: 'flipped', reportedDiscriminatorCost: 'article-printed' },
      true,
    );
    expect(started).toMatch(/ d_loss=article-printed$/);
    expect(step).toMatch(/^step=10\/20 d_cost_printed=/);
  });

  it('writes one greppable line per evaluation', () => {
    const points = new Tensor(Float32Array.from([2, 0, 0, 2, -2, 0, 0, -2]), [4, 2]);
    const out: string[] = [];
    plainLogger(1000, (l) => out.push(l))({ type: 'eval', step: 60, result: evaluateRing(points) });
    expect(out).toEqual([expect.stringMatching(/^eval step=60 modes=4\/8 hq=1\.000 kl=/)]);
  });
});
