/**
 * Seeded index samplers: which rows of the dataset make the next batch.
 *
 * Both samplers fill a caller-owned `Int32Array` (no allocation per step) and expose their whole
 * state as plain JSON, so a checkpoint resumes the exact same sequence of batches.
 */
import { Rng, type RngState } from '@gan/tensor';

export type SamplerKind = 'replacement' | 'epochs';

export const SAMPLER_KINDS: readonly SamplerKind[] = ['replacement', 'epochs'];

/**
 * A sampler's complete state, plain JSON. `epoch` and `position` locate the next draw: for the
 * epoch sampler, `position` indices of permutation number `epoch` are used up; for the
 * replacement sampler, `epoch * (size - excludeLast) + position` indices have been drawn.
 */
export type SamplerState =
  | {
      kind: 'replacement';
      size: number;
      excludeLast: number;
      rng: RngState;
      epoch: number;
      position: number;
    }
  | {
      kind: 'epochs';
      size: number;
      excludeLast: number;
      rng: RngState;
      /** The RNG before this epoch's shuffle: the permutation is regenerated from it, not stored. */
      epochRng: RngState;
      epoch: number;
      position: number;
    };

/** What the trainer sees of a sampler. */
export interface Sampler {
  readonly kind: SamplerKind;
  /** Size of the dataset the indices point into. */
  readonly size: number;
  /** Completed epochs (for the replacement sampler: completed epochs' worth of draws). */
  readonly epoch: number;
  /** Indices used so far in the current epoch. */
  readonly position: number;
  /**
   * Fills `out` with the next `out.length` indices and returns it. The replacement sampler also
   * writes the 32-bit draw behind each index into `draws` when given (`index = draw % available`,
   * see `Rng.intDraw`); the epoch sampler leaves `draws` untouched.
   */
  next(out: Int32Array, draws?: Uint32Array): Int32Array;
  /** A JSON-serialisable snapshot; {@link Sampler.restore} continues from it bit-identically. */
  state(): SamplerState;
  /** Continues from a snapshot taken by a sampler of the same kind and size. */
  restore(state: SamplerState): void;
}

export interface SamplerOptions {
  /** Number of rows in the dataset. */
  size: number;
  /** Never return the last `excludeLast` rows (the article holds back 10). Default 0. */
  excludeLast?: number;
  /** The sampler's own stream (e.g. `Rng.create(seed, 'data')`); it is advanced by every draw. */
  rng: Rng;
}

/**
 * Uniform draws with replacement from rows `0 .. size - excludeLast - 1`: the article's
 * `np.random.randint(len(images) - 10)`.
 *
 * ```ts
 * const sampler = new ReplacementSampler({ size: 10000, excludeLast: 10, rng: Rng.create(127, 'data') });
 * const idx = new Int32Array(1);
 * sampler.next(idx); // e.g. Int32Array [4821]
 * ```
 */
export class ReplacementSampler implements Sampler {
  readonly kind = 'replacement';
  readonly size: number;
  readonly excludeLast: number;
  /** The number of indices that can be drawn: `size - excludeLast`. */
  readonly available: number;
  private rng: Rng;
  private drawn = 0;

  constructor(options: SamplerOptions) {
    const { size, excludeLast } = checkOptions('ReplacementSampler', options);
    this.size = size;
    this.excludeLast = excludeLast;
    this.available = size - excludeLast;
    this.rng = options.rng;
  }

  get epoch(): number {
    return Math.floor(this.drawn / this.available);
  }

  get position(): number {
    return this.drawn % this.available;
  }

  next(out: Int32Array, draws?: Uint32Array): Int32Array {
    for (let i = 0; i < out.length; i++) {
      const draw = this.rng.intDraw(this.available);
      out[i] = draw % this.available;
      if (draws !== undefined) draws[i] = draw;
    }
    this.drawn += out.length;
    return out;
  }

  state(): SamplerState {
    return {
      kind: this.kind,
      size: this.size,
      excludeLast: this.excludeLast,
      rng: this.rng.state(),
      epoch: this.epoch,
      position: this.position,
    };
  }

  restore(state: SamplerState): void {
    checkState('ReplacementSampler', this, state, this.available);
    this.rng = Rng.fromState(state.rng);
    this.drawn = state.epoch * this.available + state.position;
  }
}

/**
 * Epochs without replacement: each epoch is a fresh seeded permutation of rows
 * `0 .. size - excludeLast - 1`, consumed in consecutive batches. A batch that crosses the end of
 * an epoch takes the epoch's last indices and continues with the next permutation, so every
 * index appears exactly once per epoch.
 *
 * ```ts
 * const sampler = new EpochSampler({ size: 60000, rng: Rng.create(1, 'data') });
 * const idx = new Int32Array(64);
 * sampler.next(idx);
 * sampler.epoch;    // 0
 * sampler.position; // 64
 * ```
 */
export class EpochSampler implements Sampler {
  readonly kind = 'epochs';
  readonly size: number;
  readonly excludeLast: number;
  /** The number of indices per epoch: `size - excludeLast`. */
  readonly available: number;
  private rng: Rng;
  private epochRng!: RngState;
  private readonly perm: Int32Array;
  private epochIndex = 0;
  private pos = 0;

  constructor(options: SamplerOptions) {
    const { size, excludeLast } = checkOptions('EpochSampler', options);
    this.size = size;
    this.excludeLast = excludeLast;
    this.available = size - excludeLast;
    this.rng = options.rng;
    this.perm = new Int32Array(this.available);
    this.shuffleEpoch();
  }

  get epoch(): number {
    return this.epochIndex;
  }

  get position(): number {
    return this.pos;
  }

  next(out: Int32Array): Int32Array {
    for (let i = 0; i < out.length; i++) {
      out[i] = this.perm[this.pos++];
      // Roll over as soon as an epoch is used up, so `epoch` and `state()` already name the next one.
      if (this.pos === this.available) {
        this.epochIndex++;
        this.shuffleEpoch();
      }
    }
    return out;
  }

  state(): SamplerState {
    return {
      kind: this.kind,
      size: this.size,
      excludeLast: this.excludeLast,
      rng: this.rng.state(),
      epochRng: { s: [...this.epochRng.s], spare: this.epochRng.spare },
      epoch: this.epochIndex,
      position: this.pos,
    };
  }

  restore(state: SamplerState): void {
    checkState('EpochSampler', this, state, this.available);
    this.rng = Rng.fromState(state.epochRng);
    this.shuffleEpoch();
    // The RNG serves only the shuffles, so after regenerating the permutation it must be exactly
    // where the snapshot says; anything else means the snapshot was edited or mixed up.
    if (!sameRngState(this.rng.state(), state.rng)) {
      throw new Error(
        'EpochSampler.restore: inconsistent state: `rng` is not the state that follows `epochRng` ' +
          "after one epoch's shuffle",
      );
    }
    this.epochIndex = state.epoch;
    this.pos = state.position;
  }

  private shuffleEpoch(): void {
    this.epochRng = this.rng.state();
    const perm = this.perm;
    for (let i = 0; i < perm.length; i++) perm[i] = i;
    this.rng.shuffle(perm);
    this.pos = 0;
  }
}

/**
 * A sampler by name, as configs spell it.
 *
 * ```ts
 * const sampler = createSampler('replacement', { size: ds.labels.length, excludeLast: 10, rng });
 * ```
 */
export function createSampler(kind: SamplerKind, options: SamplerOptions): Sampler {
  switch (kind) {
    case 'replacement':
      return new ReplacementSampler(options);
    case 'epochs':
      return new EpochSampler(options);
    default:
      throw new RangeError(
        `createSampler: kind must be one of ${SAMPLER_KINDS.map((k) => `'${k}'`).join(', ')}, got '${String(kind)}'`,
      );
  }
}

function checkOptions(who: string, options: SamplerOptions): { size: number; excludeLast: number } {
  const { size, excludeLast = 0 } = options;
  if (!Number.isInteger(size) || size < 0) {
    throw new RangeError(`${who}: size must be a non-negative integer, got ${size}`);
  }
  if (!Number.isInteger(excludeLast) || excludeLast < 0) {
    throw new RangeError(`${who}: excludeLast must be a non-negative integer, got ${excludeLast}`);
  }
  if (size - excludeLast < 1) {
    throw new RangeError(
      `${who}: nothing left to sample: size ${size} minus excludeLast ${excludeLast} leaves ${Math.max(0, size - excludeLast)} indices`,
    );
  }
  if (size - excludeLast > 2 ** 31 - 1) {
    throw new RangeError(`${who}: size ${size} does not fit an Int32Array of indices`);
  }
  if (typeof options.rng?.int !== 'function')
    throw new TypeError(`${who}: rng must be an Rng from @gan/tensor`);
  return { size, excludeLast };
}

function checkState<K extends SamplerKind>(
  who: string,
  sampler: { kind: K; size: number; excludeLast: number },
  state: SamplerState,
  available: number,
): asserts state is Extract<SamplerState, { kind: K }> {
  const bad = (why: string) => new Error(`${who}.restore: ${why}`);
  if (state === null || typeof state !== 'object') throw bad('expected a sampler state object');
  if (state.kind !== sampler.kind) {
    throw bad(`the state is for a '${String(state.kind)}' sampler, this one is '${sampler.kind}'`);
  }
  if (state.size !== sampler.size || state.excludeLast !== sampler.excludeLast) {
    throw bad(
      `the state was saved for size ${state.size} (excludeLast ${state.excludeLast}), ` +
        `this sampler has size ${sampler.size} (excludeLast ${sampler.excludeLast})`,
    );
  }
  if (!Number.isInteger(state.epoch) || state.epoch < 0) {
    throw bad(`epoch must be a non-negative integer, got ${state.epoch}`);
  }
  if (!Number.isInteger(state.position) || state.position < 0 || state.position >= available) {
    throw bad(`position must be an integer in 0..${available - 1}, got ${state.position}`);
  }
  checkRngState(bad, 'rng', state.rng);
  if (state.kind === 'epochs') checkRngState(bad, 'epochRng', state.epochRng);
}

function checkRngState(bad: (why: string) => Error, key: string, s: RngState | undefined): void {
  const ok =
    s !== null &&
    typeof s === 'object' &&
    Array.isArray(s.s) &&
    s.s.length === 4 &&
    s.s.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
    (s.spare === null || typeof s.spare === 'number');
  if (!ok) throw bad(`${key} must be an RNG state { s: [four uint32], spare: number | null }`);
}

function sameRngState(a: RngState, b: RngState): boolean {
  return a.s.every((w, i) => w === b.s[i]) && a.spare === b.spare;
}
