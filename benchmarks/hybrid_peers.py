"""Choose the components of the classification hybrid, by validation inside TRAIN.

For each development problem, every candidate component is scored out of fold
on the hybrid's own folds of TRAIN (``EADCHybridClassifier._folds`` with the
same seed): each peer is fitted on four folds and predicts the fifth, and with
``--networks`` the hybrid's five EA-DC networks (its defaults) are trained as
the hybrid trains them, each without one fold. Each set of components in
``--sets`` is then combined by the hybrid's rule (out-of-fold accuracy raised
to ``weight_exponent``, CAWPE) by leaving one fold out: the weights come from
the other folds' out-of-fold predictions and are applied to the held-out
fold's. No component is refitted on all of TRAIN, and TEST is never read.
A ridge-based peer (the Rocket family, RDST) is kept as its ridge's scores:
in a set, ``NAME`` stands for aeon's probabilities of 0 or 1 and
``NAME:soft`` for the calibrated probabilities of ``calibrate_peers=True``,
whose temperature is fitted, like the weights, on the other folds only.

    python benchmarks/hybrid_peers.py --data-dir DEV --datasets Beef,Wine \
        --components multirockethydra,quant,rdst \
        --sets multirockethydra,quant multirockethydra,quant,rdst \
        --output benchmarks/results/defaults/hybrid_peers.csv --n-jobs 2

Out-of-fold probabilities are cached beside the CSV (``NAME-SEED.npz`` in a
folder of the CSV's name), so a rerun with more sets or problems fits only
what is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

WEIGHT_EXPONENT = 4.0  # EADCHybridClassifier's default


def _load(name: str, data_dir: str):
    from tsevo import load_ucr, load_uea

    for loader in (load_uea, load_ucr):
        try:
            return loader(name, split="train", data_dir=data_dir, download=False)
        except (FileNotFoundError, ValueError):
            continue
    raise FileNotFoundError(f"no training split of {name!r} under {data_dir}")


def out_of_fold(name: str, data_dir: str, components: list[str], seed: int, cache: Path) -> dict:
    """Each component's out-of-fold probabilities on TRAIN, the labels and the folds (cached)."""
    import torch

    from tsevo import EADCHybridClassifier
    from tsevo.data.validation import panel_to_series, to_panel
    from tsevo.estimators._ensemble import member_seeds

    torch.set_num_threads(1)
    path = cache / f"{name}-{seed}.npz"  # the folds and the peers' seeds follow the seed
    stored = dict(np.load(path, allow_pickle=False)) if path.exists() else {}
    X, y = _load(name, data_dir)
    hybrid = EADCHybridClassifier(peers="", random_state=seed)
    labels = hybrid._check_targets(y, len(y))
    fold_seed = member_seeds(seed, 1)[0]
    folds = hybrid._folds(labels, fold_seed)
    panel = to_panel(X)
    for component in components:
        if component in stored or _scores_key(component) in stored:
            continue
        if component == "eadc":
            _, stored[component] = hybrid._fit_networks(panel_to_series(panel), labels, folds)
        else:
            output, is_scores = _peer_out_of_fold(hybrid, component, fold_seed, panel, labels, folds)
            stored[_scores_key(component) if is_scores else component] = output
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, **stored)
    fold_of = np.zeros(len(labels), dtype=int)
    for i, (_, held_out) in enumerate(folds):
        fold_of[held_out] = i
    encoded = np.searchsorted(hybrid.classes_, labels)
    outputs = {c: stored[c] for c in components if c in stored}
    scores = {c: stored[_scores_key(c)] for c in components if _scores_key(c) in stored}
    return {"outputs": outputs, "scores": scores, "labels": encoded, "fold_of": fold_of}


def _scores_key(component: str) -> str:
    return component + ":scores"  # a ridge peer's out-of-fold scores, from which both kinds of probability come


def _peer_out_of_fold(hybrid, component: str, seed: int, panel, labels: np.ndarray, folds) -> tuple[np.ndarray, bool]:
    """The hybrid's cross-validation of a peer, without its refit on all the cases: its
    probabilities, or a ridge peer's scores (and whether they are scores)."""
    from tsevo.data.validation import fill_missing, pad_to_length
    from tsevo.estimators._peers import RIDGE_PEERS, min_length

    padded = pad_to_length(fill_missing(panel), max(panel.max_length, min_length(component)))
    hybrid.calibrate_peers = True  # a ridge peer's outputs are then its scores
    return hybrid._peer_out_of_fold(component, seed, padded, labels, folds), component in RIDGE_PEERS


def combined_accuracy(outputs: dict[str, np.ndarray], labels: np.ndarray, fold_of: np.ndarray,
                      exponent: float = WEIGHT_EXPONENT, tempered: tuple[str, ...] = ()) -> float:
    """Accuracy of the CAWPE mix when each fold's weights come from the other folds only.

    ``outputs`` are probabilities, except those named in ``tempered``: ridge scores, turned into
    probabilities with the temperature fitted on the other folds' scores, as the hybrid does.
    """
    from tsevo.estimators._calibration import fit_temperature, softmax

    correct = np.zeros(len(labels), dtype=bool)
    for fold in np.unique(fold_of):
        held_out, rest = fold_of == fold, fold_of != fold
        weights = {c: np.mean(p[rest].argmax(1) == labels[rest]) ** exponent for c, p in outputs.items()}
        total = sum(weights.values())
        mix = 0.0
        for c, w in weights.items():
            held = outputs[c][held_out]
            if c in tempered:
                held = softmax(held, fit_temperature(outputs[c][rest], labels[rest]))
            mix = mix + (w / total if total > 0 else 1 / len(weights)) * held
        correct[held_out] = mix.argmax(1) == labels[held_out]
    return float(correct.mean())


def _votes(scores: np.ndarray) -> np.ndarray:
    """aeon's probabilities of a ridge peer: 1 for the class of the highest score."""
    return np.eye(scores.shape[1])[scores.argmax(1)]


def validate(name: str, data_dir: str, components: list[str], sets: list[str], seed: int, cache: Path) -> list[dict]:
    """Rows of accuracy: each component alone, then each set; a ridge peer written ``NAME:soft``
    in a set takes calibrated probabilities, plain ``NAME`` aeon's 0/1 votes."""
    found = out_of_fold(name, data_dir, components, seed, cache)
    labels, fold_of = found["labels"], found["fold_of"]
    outputs = dict(found["outputs"]) | {c: _votes(s) for c, s in found["scores"].items()}
    outputs |= {c + ":soft": s for c, s in found["scores"].items()}
    rows = [{"dataset": name, "components": c, "accuracy": float(np.mean(outputs[c].argmax(1) == labels))}
            for c in components]
    for chosen in sets:
        subset = {c: outputs[c] for c in chosen.split(",")}
        tempered = tuple(c for c in subset if c.endswith(":soft"))
        rows.append({"dataset": name, "components": chosen,
                     "accuracy": combined_accuracy(subset, labels, fold_of, tempered=tempered)})
    return rows


def write_markdown(csv_path: Path, command: str) -> None:
    """The CSV as a table beside it (problems by components), with means and wins against the first set."""
    import pandas as pd

    results = pd.read_csv(csv_path)
    table = results.pivot(index="dataset", columns="components", values="accuracy")
    order = list(dict.fromkeys(results.components))
    table = table[order]
    means = table.mean().rename("mean")
    sets = [c for c in order if "," in c]
    lines = ["# Components of the classification hybrid: validation inside TRAIN", "", "Produced by:", "",
             "```bash", command, "```", "",
             f"Out-of-fold accuracy on TRAIN over the hybrid's folds ({len(table)} problems, TEST never read): "
             "a single name is that component alone; a set is the hybrid's CAWPE mix (accuracy^4) with each "
             "fold's weights taken from the other folds.", "",
             pd.concat([table, means.to_frame().T]).to_markdown(floatfmt=".3f"), ""]
    if len(sets) > 1:
        base = table[sets[0]]
        lines += [f"Against `{sets[0]}` (wins / ties / losses, mean difference):", ""]
        for other in sets[1:]:
            diff = table[other] - base
            lines.append(f"- `{other}`: {(diff > 0).sum()} / {(diff == 0).sum()} / {(diff < 0).sum()}, "
                         f"{diff.mean():+.4f}")
        lines.append("")
    csv_path.with_suffix(".md").write_text("\n".join(lines))


def main() -> None:
    import csv

    from joblib import Parallel, delayed

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--datasets", required=True)
    parser.add_argument("--components", default="multirockethydra,quant,rdst")
    parser.add_argument("--networks", action="store_true", help="add the hybrid's EA-DC networks ('eadc')")
    parser.add_argument("--sets", nargs="+", default=["multirockethydra,quant", "multirockethydra,quant,rdst"])
    parser.add_argument("--output", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()
    components = (["eadc"] if args.networks else []) + args.components.split(",")
    output = Path(args.output)
    cache = output.with_suffix("")
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(validate)(n, args.data_dir, components, args.sets, args.seed, cache) for n in args.datasets.split(","))
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["dataset", "components", "accuracy"])
        writer.writeheader()
        writer.writerows(row for rows in results for row in rows)
    write_markdown(output, "python benchmarks/hybrid_peers.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
