#!/usr/bin/env bash
# One session on a lent GPU machine (the device tool of this workplace), in one command:
# optionally the ensemble's fit time and the CUDA tests, then the development benchmark
# (34 problems, official split, largest first, wall time measured) with the TSER benchmark
# beside it, until the time runs out. Partial results come back: the harness writes a row
# per finished cell, and a later session continues from them (RESUME).
#
# Needs, in the repository root: .whl/ (aeon, scikit-learn, Deprecated, platformdirs and
# tabulate wheels for the machine's Python) and .devdata/data.tar.gz (the uea/, ucr/ and tser/
# development folders). Results go to $OUT (set by the device tool).
#
# Usage: bash benchmarks/gpu_session.sh TOTAL_SECONDS
# Environment (all optional):
#   DEV_ESTIMATORS   estimators of the development benchmark (default "eadc"; "" skips it)
#   DEV_JOBS         cells at once (default 12)
#   DEV_DATASETS     comma-separated problems of the development benchmark (default: the 34, largest first)
#   DEV_RESAMPLES    resamples of the development benchmark, 0 the official split (default 1)
#   TSER_ESTIMATORS  regression estimators run on the five TSER problems beside it (default none)
#   GPU_SPEED=LENGTHS first time training steps of one network at these lengths (benchmarks/gpu_speed.py)
#   SPEED=1          first time an ensemble of 5 against one network, alone on the GPU
#   COMPILE_SPEED=1  first time one network with compile=True against without (benchmarks/compile_speed.py)
#                    on COMPILE_DATASETS (default ECG200,Beef) for at most COMPILE_SECONDS (default 240)
#   COMPILE_MEMBERS=1 the same for five networks trained together (member_training="batched")
#   BATCH_SPEED=1    first time batch_size="auto" against 16 on pooled sets of 4,096 cases (benchmarks/batch_speed.py)
#   CUDA_TESTS=1     run tests/test_cuda.py in the background
#   VALIDATE_CONFIGS configurations of benchmarks/validate.py compared first, by validation inside TRAIN
#                    on VALIDATE_DATASETS (default: the 25 smaller development problems), VALIDATE_JOBS at once (16)
#                    for at most VALIDATE_SECONDS (default: all the time there is)
#   RESUME=DIR       a folder of the working tree holding dev/ and tser/ of an earlier call
# Results committed before this version (commit 00e0986) ran earlier versions with fixed phases: see git log.
set -uo pipefail
BUDGET=${1:-540}
DEV_ESTIMATORS=${DEV_ESTIMATORS-eadc}
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
[ -n "${RESUME:-}" ] && cp -r "$RESUME"/. "$OUT"/

if [ -n "${GPU_SPEED:-}" ]; then
    timeout 120 python3 benchmarks/gpu_speed.py --output "$OUT/gpu_speed" --steps 5 --lengths "$GPU_SPEED" 2>&1 | tail -2
fi
if [ "${SPEED:-0}" = 1 ]; then
    timeout 100 python3 benchmarks/ensemble_speed.py --device cuda --data-dir /tmp/data/all \
        --datasets ECG200,NATOPS,FiftyWords --max-epochs 10 --output "$OUT/ensemble_speed" 2>&1 | tail -3
fi
if [ "${COMPILE_SPEED:-0}" = 1 ]; then
    timeout "${COMPILE_SECONDS:-240}" python3 benchmarks/compile_speed.py --device cuda --data-dir /tmp/data/all \
        --datasets "${COMPILE_DATASETS:-ECG200,Beef}" --max-epochs 20 --output "$OUT/compile_speed" 2>&1 | tail -4
fi
if [ "${COMPILE_MEMBERS:-0}" = 1 ]; then
    timeout 240 python3 benchmarks/compile_speed.py --device cuda --data-dir /tmp/data/all --n-estimators 5 \
        --datasets ECG200 --max-epochs 20 --output "$OUT/compile_speed_batched" 2>&1 | tail -4
fi
if [ "${BATCH_SPEED:-0}" = 1 ]; then
    timeout 180 python3 benchmarks/batch_speed.py --device cuda --data-dir /tmp/data/all --min-cases 4096 \
        --datasets ItalyPowerDemand,MedicalImages,FiftyWords --max-epochs 2 --output "$OUT/batch_speed" 2>&1 | tail -4
fi
[ "${CUDA_TESTS:-0}" = 1 ] && { timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py \
    > "$OUT/cuda_tests.log" 2>&1 & }

if [ -n "${VALIDATE_CONFIGS:-}" ]; then
    SMALL=ItalyPowerDemand,Wine,JapaneseVowels,ECGFiveDays,RacketSports,Coffee,GunPoint,TwoLeadECG,Libras,Beef,ArrowHead,NATOPS,Trace,ECG200,BeetleFly,Lightning7,FaceFour,Ham,SyntheticControl,CBF,BasicMotions,DodgerLoopDay,Handwriting,Adiac,Epilepsy
    left=$((BUDGET - (SECONDS - START) - 15))
    OMP_NUM_THREADS=1 timeout "${VALIDATE_SECONDS:-$left}" python3 benchmarks/validate.py --data-dirs /tmp/data/all \
        --datasets "${VALIDATE_DATASETS:-$SMALL}" --configs "$VALIDATE_CONFIGS" --device cuda --threads 1 \
        --n-jobs "${VALIDATE_JOBS:-16}" --output "$OUT/validate/results.csv" > /tmp/validate.log 2>&1
    echo "validation ($VALIDATE_CONFIGS): rc $? after $((SECONDS - START)) s" | tee -a "$OUT/validate_wall.txt"
    tail -n 2 /tmp/validate.log
fi

DATASETS=PLAID,FiftyWords,SwedishLeaf,MedicalImages,JapaneseVowels,Adiac,SyntheticControl,PickupGestureWiimoteZ,Libras,NATOPS,Computers,TwoLeadECG,Trace,UWaveGestureLibrary,ItalyPowerDemand,Lightning7,Handwriting,RacketSports,Wine,Fish,Epilepsy,DodgerLoopDay,ECG200,CBF,Coffee,BasicMotions,Beef,FaceFour,ArrowHead,ECGFiveDays,AtrialFibrillation,Ham,GunPoint,BeetleFly
export OMP_NUM_THREADS=1
left=$((BUDGET - (SECONDS - START) - 10))
bench_start=$SECONDS
if [ -n "${TSER_ESTIMATORS:-}" ]; then
    timeout $left python3 -m tsevo.cli benchmark --task regression --data-dir /tmp/data/tser \
        --datasets FloodModeling1,FloodModeling3,Tecator,Covid3Month,CardanoSentiment \
        --estimators "$TSER_ESTIMATORS" --output "$OUT/tser" --n-jobs 2 > /tmp/bench_tser.log 2>&1 &
fi
if [ -n "$DEV_ESTIMATORS" ]; then
    timeout $left python3 -m tsevo.cli benchmark --data-dir /tmp/data/all --datasets "${DEV_DATASETS:-$DATASETS}" \
        --estimators "$DEV_ESTIMATORS" --resamples "${DEV_RESAMPLES:-1}" --output "$OUT/dev" --n-jobs "${DEV_JOBS:-12}" > /tmp/bench_dev.log 2>&1
    echo "development benchmark ($DEV_ESTIMATORS): rc $? after $((SECONDS - bench_start)) s wall" \
        | tee -a "$OUT/dev_wall.txt"
fi
wait
for log in /tmp/bench_dev.log /tmp/bench_tser.log "$OUT/cuda_tests.log"; do [ -f "$log" ] && tail -n 3 "$log"; done
echo "done in $((SECONDS - START)) s"
