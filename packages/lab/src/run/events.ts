import type { MetricsRow, RunStatus } from '@gan/runs';
import type { EvalResult, GrayImage } from '@gan/training';

/** How a run ends: every status but `running`. */
export type EndStatus = Exclude<RunStatus, 'running'>;

/**
 * How a session ends: as the run ended (its final status, recorded in meta.json), or
 * `taken-over`: another process took the run over (a newer owner, see @gan/runs owner.ts), and
 * this session stopped at once, writing nothing more; the run goes on under its new owner.
 */
export type SessionEnd = EndStatus | 'taken-over';

/** What a running session tells its listeners (the dashboard, the plain logger, the parent thread). */
export type RunEvent =
  | {
      type: 'started';
      name: string;
      runDir: string;
      runId: string;
      seed: number;
      startStep: number;
      totalSteps: number;
      backend: string;
      /** The native kernels' variant (avx512, avx2, baseline); null for the reference backend. */
      variant: string | null;
      /** `train.precision` and `random.stream`. */
      precision: string;
      stream: string;
      params: { generator: number; discriminator: number };
    }
  | { type: 'metrics'; row: MetricsRow; stepsPerSec: number; elapsed: number }
  | { type: 'samples'; step: number; path: string; image: GrayImage }
  | { type: 'checkpoint'; step: number; path: string }
  /**
   * A line of progress from slow work outside the steps (e.g. training the evaluation's
   * classifier), or with `tone: 'warn'` something the user must know (a resume on other kernels).
   */
  | { type: 'message'; step: number; text: string; tone?: 'warn' }
  | { type: 'paused'; paused: boolean; step: number }
  | { type: 'eval'; step: number; result: EvalResult }
  | {
      type: 'finished';
      status: SessionEnd;
      step: number;
      message: string | null;
      stepsPerSec: number | null;
    };
