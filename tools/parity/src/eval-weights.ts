/**
 * Scores generator weights with this project's evaluation, whoever trained them: the run's final
 * checkpoint, or weights the parity harness saved after replaying the run in float32 or float64
 * (`py/parity.py --save-weights`). The same samples (the run's `eval` stream) and the same
 * classifier are used for each, so scores differ only by the weights.
 */
import { join } from 'node:path';
import {
  createEvalContext,
  type EvalResult,
  evaluate,
  GanTrainer,
  generateEvalSamples,
  loadConfig,
  loadTrainingData,
} from '@gan/training';
import { CONFIG_FILE, readSafetensors } from '@gan/runs';
import { selectBackend, setBackend } from '@gan/tensor';

/** Evaluates each weights file (safetensors named like checkpoints) with the run's config. */
export async function evaluateWeights(
  runDir: string,
  files: string[],
  samples = 1000,
): Promise<EvalResult[]> {
  setBackend(selectBackend('auto').backend); // the native kernels when built, as `pnpm eval` uses
  const { config } = loadConfig(join(runDir, CONFIG_FILE), [], { recordedRun: true });
  const data = loadTrainingData(config);
  const trainer = new GanTrainer(config, data);
  const context = await createEvalContext(config, data);
  const results: EvalResult[] = [];
  for (const file of files) {
    const { tensors } = await readSafetensors(file);
    for (const p of trainer.gParams) {
      const t = tensors[p.name];
      if (t === undefined || t.data.length !== p.value.size) {
        throw new Error(`${file}: no tensor '${p.name}' of ${p.value.size} values for the generator`);
      }
      p.value.data.set(t.data as Float32Array);
    }
    results.push(evaluate(generateEvalSamples(trainer, samples), context));
  }
  return results;
}
