/**
 * A run's time: seconds trained (carried over a resume, stored in checkpoints) and steps per
 * second over the steps since the last measurement. Pauses and evaluations are kept out of the
 * speed: the window restarts after them, and evaluation time is left out of the final speed.
 */
export class RunClock {
  private readonly started: number;
  private windowStart: number;
  private windowStep: number;
  private excludedMs = 0;
  /** The speed last measured, in steps per second (0 before the first measurement). */
  stepsPerSec = 0;

  /**
   * @param offsetSeconds seconds trained before this process (a resumed run's checkpoint time)
   * @param now a clock in milliseconds (tests pass a fake)
   */
  constructor(
    private readonly offsetSeconds: number,
    startStep: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    this.windowStart = this.started;
    this.windowStep = startStep;
  }

  /** Seconds trained so far, before a resume included. */
  elapsed(): number {
    return this.offsetSeconds + (this.now() - this.started) / 1000;
  }

  /** Measures the speed since the last measurement (or restart) up to `step`; starts a new window. */
  measure(step: number): number {
    const now = this.now();
    if (now > this.windowStart)
      this.stepsPerSec = ((step - this.windowStep) * 1000) / (now - this.windowStart);
    this.windowStart = now;
    this.windowStep = step;
    return this.stepsPerSec;
  }

  /** Starts a new window at `step`, after time that was not training (a pause, an evaluation). */
  restartWindow(step: number): void {
    this.windowStart = this.now();
    this.windowStep = step;
  }

  /** Leaves `ms` (an evaluation) out of {@link trainingSeconds}. */
  exclude(ms: number): void {
    this.excludedMs += ms;
  }

  /** Seconds spent training in this process, evaluations left out. */
  trainingSeconds(): number {
    return (this.now() - this.started - this.excludedMs) / 1000;
  }
}
