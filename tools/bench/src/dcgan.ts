/**
 * The DCGAN training step against the same networks in PyTorch: configs/dcgan.yaml's layer lists
 * handed to py/torch_gan.py, which builds them with torch.nn and trains them as GanTrainer does
 * (D on a real and a fake batch, then G through D, Adam), at the same batch and thread count.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, networkLayers } from '@gan/training';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'py', 'torch_gan.py');

/** The first Python that has torch (Debian's python3-torch installs into /usr/bin/python3). */
function torchPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, [
      '-c',
      "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)",
    ]);
    if (r.status === 0) return py;
  }
  return null;
}

/**
 * Steps per second of PyTorch on `file`'s networks, or null without torch. OpenBLAS' variables
 * set on this machine for old builds are left out of the peer's environment (they slow it).
 */
export function torchStepsPerSec(
  file: string,
  overrides: string[],
  opts: { steps: number; threads: number },
): { sps: number; torch: string } | null {
  const py = torchPython();
  if (py === null) return null;
  const { config } = loadConfig(file, overrides);
  const spec = {
    z: config.model.z.size,
    data: networkLayers(config, 'discriminator')[0].input,
    batch: config.data.batchSize,
    steps: opts.steps,
    warmup: 2,
    threads: opts.threads,
    generator: networkLayers(config, 'generator').map((l) => l.op),
    discriminator: networkLayers(config, 'discriminator').map((l) => l.op),
    lr: [config.optim.generator.lr, config.optim.discriminator.lr],
    betas: [config.optim.generator.betas, config.optim.discriminator.betas],
  };
  const { OPENBLAS_CORETYPE: _c, OPENBLAS_L2_SIZE: _l, ...env } = process.env;
  const r = spawnSync(py, [SCRIPT], { input: JSON.stringify(spec), encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`torch peer failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
}
