#!/usr/bin/env bash
# Reproduces the README's results: trains every article config, every ablation and the baseline at
# their default lengths (evaluated at the end) for each of three seeds, then prints the grouped
# comparison table (mean and spread over the seeds) with the report tool. About 90 minutes on a
# 2-core machine. Environment: SEEDS (default "1 2 3"), EXPERIMENTS (default experiments/results).
# Extra arguments are passed to every `pnpm exp` (e.g. train.steps=2000 for a quick look).
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds=(${SEEDS:-1 2 3})
experiments=${EXPERIMENTS:-experiments/results}
configs=(configs/failed-{1,2,3,4,5,6}.yaml configs/decay.yaml configs/decay-early.yaml configs/ablations/*.yaml configs/baseline.yaml)
for c in "${configs[@]}"; do
  for s in "${seeds[@]}"; do
    echo "== $c seed=$s"
    pnpm -s exp "$c" "seed=$s" --no-dashboard --experiments "$experiments" log.printEvery=5000 "$@" || echo "(exit $? for $c seed=$s)"
  done
done
pnpm -s report --experiments "$experiments" --group --params none \
  --eval display.modesCovered,inceptionScore,diversity,display.diversity --md
