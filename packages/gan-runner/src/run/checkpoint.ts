import type { SafeTensor, Safetensors } from '@gan/runs';
import type { TrainerSnapshot } from '../train/gan.ts';

/** Identifies the layout of the tensors and metadata below, for readers in other languages. */
export const CHECKPOINT_FORMAT = 'gan-lab-checkpoint/1';

/**
 * A trainer snapshot as safetensors: every weight under its parameter name (`generator.0.weight`,
 * shape [in, out] as `x·W`), Adam's moments under `optim.<network>.<m|v>.<parameter>`, and the
 * rest (step, RNG and sampler state, seconds trained) as JSON strings in `__metadata__`.
 * numpy reads the arrays with `numpy.frombuffer`, PyTorch with `safetensors.torch.load_file`.
 */
export function snapshotToSafetensors(
  snap: TrainerSnapshot,
  extra: { time: number; config: string },
): { tensors: Record<string, SafeTensor>; metadata: Record<string, string> } {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, a] of Object.entries(snap.arrays))
    tensors[name] = { dtype: 'F32', shape: a.shape, data: a.data };
  return {
    tensors,
    metadata: {
      format: CHECKPOINT_FORMAT,
      step: String(snap.step),
      time: String(extra.time),
      state: JSON.stringify(snap.state),
      config: extra.config,
    },
  };
}

export function snapshotFromSafetensors(
  st: Safetensors,
  source: string,
): { snap: TrainerSnapshot; time: number } {
  const { metadata } = st;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new Error(
      `${source}: not a checkpoint of this format (expected format ${CHECKPOINT_FORMAT}, got ${metadata.format})`,
    );
  }
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0)
    throw new Error(`${source}: bad step in metadata: ${metadata.step}`);
  let state: TrainerSnapshot['state'];
  try {
    state = JSON.parse(metadata.state);
  } catch (e) {
    throw new Error(`${source}: bad trainer state in metadata: ${(e as Error).message}`);
  }
  const arrays: TrainerSnapshot['arrays'] = {};
  for (const [name, t] of Object.entries(st.tensors)) {
    if (t.dtype !== 'F32') throw new Error(`${source}: tensor '${name}' has dtype ${t.dtype}, expected F32`);
    arrays[name] = { shape: t.shape, data: t.data };
  }
  return { snap: { step, arrays, state }, time: Number(metadata.time) || 0 };
}
