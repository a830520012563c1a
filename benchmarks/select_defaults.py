"""Choose the EA-DC-Transformer's defaults by validation inside TRAIN.

For every development problem, TRAIN is split 70/30 (stratified, seed 0); each
configuration is fitted on the 70% and scored on the 30%. TEST is never read.

    python benchmarks/select_defaults.py --data-dir ../shared/data/uea \
        --output benchmarks/results/defaults/validation.csv
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from tsevo import EADCTransformerClassifier
from tsevo.datasets import load_uea

DATASETS = [
    "AtrialFibrillation", "BasicMotions", "Epilepsy", "Handwriting", "JapaneseVowels",
    "Libras", "NATOPS", "RacketSports", "UWaveGestureLibrary",
]

# one change at a time from the current defaults
CONFIGS = {
    "defaults": {},
    "heads4": {"n_heads": 4},
    "reference_widths": {"d_model": 128, "key_fraction": 0.25, "value_fraction": 0.25},
    "flatten_head": {"head": "flatten"},
    "label_smoothing": {"label_smoothing": 0.1},
    "epochs200": {"max_epochs": 200},
    "dropout0.2": {"dropout": 0.2},
    "radam": {"optimizer": "radam", "weight_decay": 0.0},
}


def take(X, idx):
    return [X[i] for i in idx] if isinstance(X, list) else X[idx]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--datasets", default=",".join(DATASETS))
    args = parser.parse_args()
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if out.exists():
        with out.open() as f:
            done = {(r["config"], r["dataset"]) for r in csv.DictReader(f)}
    new_file = not out.exists()
    with out.open("a", newline="") as f:
        writer = csv.writer(f)
        if new_file:
            writer.writerow(["config", "dataset", "valid_accuracy", "fit_seconds", "epochs"])
        for dataset in args.datasets.split(","):
            X, y = load_uea(dataset, split="train", data_dir=args.data_dir)
            tr, va = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=0)
            for config in args.configs.split(","):
                if (config, dataset) in done:
                    continue
                clf = EADCTransformerClassifier(random_state=0, **CONFIGS[config])
                start = time.perf_counter()
                clf.fit(take(X, tr), y[tr])
                seconds = time.perf_counter() - start
                accuracy = clf.score(take(X, va), y[va])
                writer.writerow([config, dataset, f"{accuracy:.4f}", f"{seconds:.1f}", clf.n_iter_])
                f.flush()
                print(config, dataset, round(accuracy, 4), round(seconds, 1), flush=True)


if __name__ == "__main__":
    main()
