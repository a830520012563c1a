"""Fit time of the default estimator (or an ensemble trained together) with ``compile=True``
against without, same epochs.

For each problem, ``EADCTransformerClassifier`` with its defaults and a fixed
``max_epochs`` is fitted eagerly, then with ``compile=True``. Reports the fit
seconds, the median seconds of an epoch after the first (the steady state),
the seconds spent before the first epoch (compilation and its trial step), the
epochs after which compiling has paid for itself, and how far the two fits'
probabilities on the test split lie apart:

    python benchmarks/compile_speed.py --data-dir ../shared/data/ucr \\
        --datasets ECG200,Beef --max-epochs 20 --output benchmarks/results/speed/compile

Writes ``compile_speed.csv`` and ``compile_speed.md`` (with the command) in
``--output``. ``--device cuda`` runs on a GPU; ``--n-estimators 5`` times an
ensemble of five networks trained together (``member_training="batched"``). Each fit runs in this process:
the inductor cache that the first compiled fit fills serves the later ones,
as it would a user's second fit.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np


def timed_fit(X, y, X_test, max_epochs: int, device: str, compile: bool, n_estimators: int = 1) -> dict:
    import torch

    from tsevo import EADCEnsembleClassifier, EADCTransformerClassifier

    common = dict(max_epochs=max_epochs, device=device, random_state=0, compile=compile)
    model = (EADCTransformerClassifier(**common) if n_estimators == 1 else
             EADCEnsembleClassifier(**common, n_estimators=n_estimators, member_training="batched"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        start = time.perf_counter()
        model.fit(X, y)
        if device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    # batched members share every epoch: the first member's history times them all
    history = model.history_ if n_estimators == 1 else model.estimators_[0].history_
    epochs = [record["seconds"] for record in history]
    fell_back = any("torch.compile failed" in str(w.message) for w in caught)
    return {"fit_seconds": seconds, "epoch_seconds": float(np.median(epochs[1:] or epochs)),
            "before_first_epoch": seconds - sum(epochs), "fell_back": fell_back,
            "proba": model.predict_proba(X_test)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--datasets", required=True, help="comma-separated problem names")
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--n-estimators", type=int, default=1,
                        help="above 1: an ensemble of this many networks trained together (batched)")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()

    import torch

    from tsevo.datasets import load_uea

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ensemble_speed import device_name, write_results

    rows = []
    args.output.mkdir(parents=True, exist_ok=True)
    for name in args.datasets.split(","):
        X, y, X_test, _ = load_uea(name, data_dir=args.data_dir)
        eager = timed_fit(X, y, X_test, args.max_epochs, args.device, False, args.n_estimators)
        compiled = timed_fit(X, y, X_test, args.max_epochs, args.device, True, args.n_estimators)
        saved = eager["epoch_seconds"] - compiled["epoch_seconds"]
        extra = compiled["before_first_epoch"] - eager["before_first_epoch"]
        rows.append({
            "dataset": name, "n_train": len(y), "max_epochs": args.max_epochs,
            "eager_fit_s": eager["fit_seconds"], "compiled_fit_s": compiled["fit_seconds"],
            "eager_epoch_s": eager["epoch_seconds"], "compiled_epoch_s": compiled["epoch_seconds"],
            "epoch_speedup": eager["epoch_seconds"] / compiled["epoch_seconds"],
            "compile_s": extra,
            "epochs_to_pay_off": math.ceil(extra / saved) if saved > 0 else "never",
            "max_proba_difference": float(np.abs(eager["proba"] - compiled["proba"]).max()),
            "fell_back": compiled["fell_back"],
        })
        print(rows[-1], flush=True)
        estimator = ("The default estimator" if args.n_estimators == 1 else
                     f"An ensemble of {args.n_estimators} default networks trained together (member_training="
                     '"batched"; compiled with static shapes, every batch padded to the longest series)')
        write_results(
            args.output, "compile_speed", "Fit time with torch.compile against without",
            f"Device: {device_name(args.device)}; torch {torch.__version__}. {estimator} with "
            f"max_epochs={args.max_epochs}, fitted eagerly, then with compile=True (inductor), "
            "one after the other in one process. epoch_s: the median epoch after the first; compile_s: the "
            "extra seconds before the first epoch (compilation and its trial step); epochs_to_pay_off: the "
            "epochs after which the faster epochs have paid for them.", rows, digits=4)
    print((args.output / "compile_speed.md").read_text())


if __name__ == "__main__":
    main()
