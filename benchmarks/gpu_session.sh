#!/usr/bin/env bash
# One session on a lent GPU machine (the device tool of this workplace), in one command:
# the CUDA tests, the fit time of an ensemble (batched and sequential) against one network,
# then the development benchmark of `eadc` (34 problems, official split, wall time measured)
# and of `eadc-ensemble`, with the TSER problems' `eadc-ensemble` beside it, until the time
# runs out. Partial results come back: the harness writes a row per finished cell.
#
# Needs, in the repository root: .whl/ (aeon, scikit-learn, Deprecated, platformdirs and
# tabulate wheels for the machine's Python) and .devdata/data.tar.gz (the uea/, ucr/ and tser/
# development folders). Results go to $OUT (set by the device tool).
# Usage: bash benchmarks/gpu_session.sh TOTAL_SECONDS
set -uo pipefail
BUDGET=${1:-540}
START=$SECONDS
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || exit 1
export PYTHONPATH=/tmp/site:$PWD
mkdir -p /tmp/data/all && tar -xzf .devdata/data.tar.gz -C /tmp/data \
    && mv /tmp/data/uea/*/ /tmp/data/ucr/*/ /tmp/data/all/
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import torch, sklearn, aeon, numpy; print('torch', torch.__version__, 'sklearn',
sklearn.__version__, 'aeon', aeon.__version__, 'numpy', numpy.__version__)"
  nproc; } 2>&1 | tee "$OUT/device.txt"

# the ensemble's fit time first, alone on the GPU; then the CUDA tests in the background
timeout 100 python3 benchmarks/ensemble_speed.py --device cuda --data-dir /tmp/data/all \
    --datasets ECG200,NATOPS,FiftyWords --max-epochs 10 --output "$OUT/ensemble_speed" 2>&1 | tail -3
timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py > "$OUT/cuda_tests.log" 2>&1 &

# the development benchmark of eadc, largest problems first; its wall time is the speed target
DATASETS=PLAID,FiftyWords,SwedishLeaf,MedicalImages,JapaneseVowels,Adiac,SyntheticControl,PickupGestureWiimoteZ,Libras,NATOPS,Computers,TwoLeadECG,Trace,UWaveGestureLibrary,ItalyPowerDemand,Lightning7,Handwriting,RacketSports,Wine,Fish,Epilepsy,DodgerLoopDay,ECG200,CBF,Coffee,BasicMotions,Beef,FaceFour,ArrowHead,ECGFiveDays,AtrialFibrillation,Ham,GunPoint,BeetleFly
export OMP_NUM_THREADS=1
left=$((BUDGET - (SECONDS - START)))
bench_start=$SECONDS
[ "${SKIP_SINGLE:-0}" = 1 ] || timeout $((left * 45 / 100)) python3 -m tsevo.cli benchmark --data-dir /tmp/data/all --datasets "$DATASETS" \
    --estimators eadc --output "$OUT/dev" --n-jobs 12 > /tmp/bench1.log 2>&1
[ "${SKIP_SINGLE:-0}" = 1 ] || echo "eadc development benchmark: rc $? after $((SECONDS - bench_start)) s wall" | tee "$OUT/dev_wall.txt"
bench_start=$SECONDS

# then the ensemble (batched on the GPU), and TSER's ensemble beside it
left=$((BUDGET - (SECONDS - START) - 15))
timeout $left python3 -m tsevo.cli benchmark --task regression --data-dir /tmp/data/tser \
    --datasets Covid3Month,CardanoSentiment,Tecator,FloodModeling3,FloodModeling1 \
    --estimators eadc-ensemble --output "$OUT/tser" --n-jobs 2 > /tmp/bench3.log 2>&1 &
timeout $left python3 -m tsevo.cli benchmark --data-dir /tmp/data/all --datasets "$DATASETS" \
    --estimators eadc-ensemble --output "$OUT/dev" --n-jobs 10 > /tmp/bench2.log 2>&1
echo "eadc-ensemble development benchmark: after $((SECONDS - bench_start)) s wall" | tee -a "$OUT/dev_wall.txt"
wait
for log in /tmp/bench1.log /tmp/bench2.log /tmp/bench3.log; do tail -n 2 "$log"; done
tail -3 "$OUT/cuda_tests.log"
echo "done in $((SECONDS - START)) s"
