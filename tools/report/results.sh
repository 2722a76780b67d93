#!/usr/bin/env bash
# Reproduces the README's results: trains every article config, the ablations and the baseline at
# their default lengths (evaluated at the end), then prints the comparison table with the report
# tool. Takes about 20 minutes on a 2-core machine. Extra arguments are passed to every `pnpm exp`
# (e.g. train.steps=2000 for a quick look).
set -euo pipefail
cd "$(dirname "$0")/../.."
configs=(configs/failed-{1,2,3,4,5,6}.yaml configs/decay.yaml configs/decay-early.yaml configs/ablations/*.yaml configs/baseline.yaml)
for c in "${configs[@]}"; do
  echo "== $c"
  pnpm -s exp "$c" --no-dashboard log.printEvery=5000 "$@" || echo "(exit $? for $c)"
done
pnpm -s report --params none --eval display.modesCovered,inceptionScore,diversity,display.diversity --md
