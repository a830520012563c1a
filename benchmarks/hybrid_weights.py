"""Choose how the regression hybrid weighs its components, by validation inside TRAIN.

For each problem, ``EADCHybridRegressor`` (the defaults, with every peer in
``PEERS``) is fitted on TRAIN,
which gives every component's out-of-fold predictions on TRAIN
(``train_predictions_``) on five folds. Each weighting rule is then scored
by leaving one fold out: the weights come from the other four folds'
out-of-fold predictions and are applied to the held-out fold's. No component
is refitted and TEST is never read. The rules are scored on each set of
components in ``COMPONENT_SETS``.

    python benchmarks/hybrid_weights.py --data-dir ../shared/data/tser \
        --output benchmarks/results/defaults/hybrid_weights_tser.csv --n-jobs 2

Rules: ``r2^p`` (out-of-fold R², negatives as 0, to the power p; p=0 weighs
all equally), ``best`` (the single best component), ``inverse_mse`` (weights
1/MSE, Bates and Granger's combination) and ``stacked`` (non-negative least
squares on the predictions, normalised to sum to one).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import nnls
from sklearn.metrics import r2_score

EXPONENTS = (0, 1, 2, 4, 8)
PEERS = "multirocket,multirockethydra,quant,rocket"
COMPONENT_SETS = ("eadc,multirocket,quant", "eadc,multirockethydra,quant", "multirocket,quant")


def rule_weights(rule: str, predictions: dict[str, np.ndarray], targets: np.ndarray) -> dict[str, float]:
    """Weights of the components (summing to one) fitted on these cases."""
    names = list(predictions)
    if rule == "best":
        best = max(names, key=lambda n: r2_score(targets, predictions[n]))
        raw = {n: float(n == best) for n in names}
    elif rule == "inverse_mse":
        raw = {n: 1 / np.mean((predictions[n] - targets) ** 2) for n in names}
    elif rule == "stacked":
        coefficients, _ = nnls(np.column_stack([predictions[n] for n in names]), targets)
        raw = dict(zip(names, coefficients, strict=True))
    else:
        exponent = float(rule.split("^")[1])
        raw = {n: max(r2_score(targets, predictions[n]), 0.0) ** exponent for n in names}
    total = sum(raw.values())
    return {n: (w / total if total > 0 else 1 / len(names)) for n, w in raw.items()}


def rules() -> list[str]:
    return [f"r2^{p}" for p in EXPONENTS] + ["best", "inverse_mse", "stacked"]


def validate(name: str, data_dir: str, seed: int) -> list[dict]:
    import torch

    from tsevo import EADCHybridRegressor, load_tser
    from tsevo.estimators._ensemble import member_seeds

    torch.set_num_threads(1)
    X, y = load_tser(name, split="train", data_dir=data_dir, download=False)
    hybrid = EADCHybridRegressor(peers=PEERS, random_state=seed).fit(X, y)
    predictions = {n: p[:, 0] for n, p in hybrid.train_predictions_.items()}
    folds = hybrid._folds(y.reshape(len(y), -1), member_seeds(seed, 1)[0])
    rows = []
    for components in COMPONENT_SETS:
        chosen = {n: predictions[n] for n in components.split(",")}
        for rule in rules():
            squared = np.zeros(len(y))
            for train, held_out in folds:
                weights = rule_weights(rule, {n: p[train] for n, p in chosen.items()}, y[train])
                combined = sum(w * chosen[n][held_out] for n, w in weights.items())
                squared[held_out] = (combined - y[held_out]) ** 2
            rows.append({"dataset": name, "components": components, "rule": rule,
                         "rmse": float(np.sqrt(squared.mean()))})
    for component, predicted in predictions.items():
        rows.append({"dataset": name, "components": component, "rule": "alone",
                     "rmse": float(np.sqrt(np.mean((predicted - y) ** 2)))})
    return rows


def write_markdown(csv_path: str, command: str) -> None:
    """The CSV as tables beside it: each component alone, then each rule per set of components."""
    import pandas as pd

    results = pd.read_csv(csv_path)
    alone = results[results.rule == "alone"].pivot(index="components", columns="dataset", values="rmse")
    best_alone = alone.min(axis=0)
    lines = [
        "# Weighting the regression hybrid's components: validation inside TRAIN", "",
        "Produced by:", "", "```bash", command, "```", "",
        "Out-of-fold RMSE on TRAIN of five folds (TEST never read). Each component alone:", "",
        alone.to_markdown(floatfmt=".4g"), "",
        "Each rule, its weights fitted on four folds' out-of-fold predictions and applied to the fifth; "
        "`ratio` is the mean over problems of RMSE / the best component alone.", "",
    ]
    for components, rows in results[results.rule != "alone"].groupby("components", sort=False):
        table = rows.pivot(index="rule", columns="dataset", values="rmse")
        table["ratio"] = (table[best_alone.index] / best_alone).mean(axis=1)
        lines += [f"## {components}", "", table.to_markdown(floatfmt=".4g"), ""]
    Path(csv_path).with_suffix(".md").write_text("\n".join(lines))


def main() -> None:
    from joblib import Parallel, delayed

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--datasets", default="FloodModeling1,FloodModeling3,Tecator,Covid3Month,CardanoSentiment")
    parser.add_argument("--output", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()
    names = args.datasets.split(",")
    results = Parallel(n_jobs=args.n_jobs)(delayed(validate)(n, args.data_dir, args.seed) for n in names)
    rows = [row for rows in results for row in rows]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["dataset", "components", "rule", "rmse"])
        writer.writeheader()
        writer.writerows(rows)
    write_markdown(args.output, "python benchmarks/hybrid_weights.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
