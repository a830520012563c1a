"""Seconds per epoch of batch_size="auto" against batch 16 on training sets past 512 cases.

"auto" sees as many cases as batch 16 (the same epochs under ``max_epochs="auto"``), so the
ratio of their seconds per epoch is the ratio of their fit times. The development problems have
at most 537 training cases, so each problem's TRAIN and TEST are pooled into one training set,
repeated until it holds ``--min-cases``: this measures speed only, never accuracy. Both fit the
same epochs (``--max-epochs``), each after a warm-up fit of one epoch:

    python benchmarks/batch_speed.py --data-dir ../shared/data/ucr --datasets MedicalImages,SwedishLeaf \\
        --min-cases 4096 --max-epochs 1 --output benchmarks/results/speed/batch_auto

Writes ``batch_speed.csv`` and ``batch_speed.md`` (with the command) in ``--output``.
``--device cuda`` runs on a GPU.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from ensemble_speed import device_name, write_results


def pooled(name: str, data_dir: str, min_cases: int):
    """TRAIN and TEST as one training set, repeated until it holds at least ``min_cases``."""
    from tsevo.datasets import load_uea

    X_train, y_train, X_test, y_test = load_uea(name, data_dir=data_dir)
    X, y = list(X_train) + list(X_test), np.concatenate([y_train, y_test])
    copies = -(-min_cases // len(y))
    X, y = X * copies, np.tile(y, copies)
    return (X if any(len(x[0]) != len(X[0][0]) for x in X) else np.stack(X)), y


def auto_batch(X, y, device: str) -> int:
    """The batch that "auto" takes on this training set under the default max_epochs="auto"."""
    from tsevo import EADCTransformerClassifier

    return EADCTransformerClassifier(batch_size="auto", device=device)._plan(X, y).config.batch_size


def epoch_seconds(batch_size: int, X, y, max_epochs: int, device: str) -> float:
    from tsevo import EADCTransformerClassifier

    model = EADCTransformerClassifier(batch_size=batch_size, max_epochs=max_epochs, device=device, random_state=0)
    start = time.perf_counter()
    model.fit(X, y)
    if device == "cuda":
        import torch

        torch.cuda.synchronize()
    return (time.perf_counter() - start) / max_epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--datasets", required=True, help="comma-separated problem names")
    parser.add_argument("--max-epochs", type=int, default=3)
    parser.add_argument("--min-cases", type=int, default=0,
                        help="repeat the pooled cases until there are at least this many (larger batches)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()

    rows = []
    args.output.mkdir(parents=True, exist_ok=True)
    for name in args.datasets.split(","):
        X, y = pooled(name, args.data_dir, args.min_cases)
        epoch_seconds(16, X[:64], y[:64], 1, args.device)  # warm-up
        row = {"dataset": name, "n_cases": len(y), "length": max(len(x[0]) for x in X)}
        row["auto_batch"] = auto_batch(X, y, args.device)
        row["batch16_epoch_s"] = epoch_seconds(16, X, y, args.max_epochs, args.device)
        row["auto_epoch_s"] = epoch_seconds(row["auto_batch"], X, y, args.max_epochs, args.device)
        row["auto_over_16"] = row["auto_epoch_s"] / row["batch16_epoch_s"]
        print(row, flush=True)
        rows.append(row)
        write_results(
            args.output, "batch_speed", 'Seconds per epoch of batch_size="auto" against batch 16',
            f"Device: {device_name(args.device)}; torch {__import__('torch').__version__}. The classifier's "
            f"defaults but the batch (auto_batch: the one \"auto\" takes under max_epochs=\"auto\"), "
            f"{args.max_epochs} epochs each, after a one-epoch warm-up; each problem's "
            f"TRAIN and TEST pooled into one training set, repeated to at least {args.min_cases} cases (speed "
            "only). Both see the same cases per epoch and, under max_epochs=\"auto\", the same epochs: the "
            "ratio is that of their fit times.", rows,
            f"Mean ratio, auto to batch 16: {pd.DataFrame(rows)['auto_over_16'].mean():.2f}x.")
    print((args.output / "batch_speed.md").read_text())


if __name__ == "__main__":
    main()
