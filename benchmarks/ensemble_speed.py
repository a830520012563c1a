"""Fit time of an ensemble of EA-DC networks against one network, same epochs.

For each problem: one ``EADCTransformerClassifier`` and ``EADCEnsembleClassifier``
with ``n_estimators`` members trained together (``member_training="batched"``),
one after another (``"sequential"``), one per core in worker processes
(``"parallel"``: sequential with ``n_jobs=-1``) or as the snapshots of one run
(``"snapshot"``: one network for twice ``max_epochs``, the members' cycles
sharing them), all with the defaults except a fixed ``max_epochs``, so every
network trained on its own takes the same optimisation steps:

    python benchmarks/ensemble_speed.py --data-dir ../shared/data/ucr \\
        --datasets ECG200,ArrowHead --max-epochs 20 --output benchmarks/results/speed/ensemble_cpu

Writes ``ensemble_speed.csv`` and ``ensemble_speed.md`` (with the command) in
``--output``. ``--device cuda`` runs on a GPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

WAYS = ("single", "batched", "sequential", "parallel", "snapshot")


def fit_seconds(way: str, X, y, n_members: int, max_epochs: int, device: str) -> float:
    from tsevo import EADCEnsembleClassifier, EADCTransformerClassifier

    common = dict(max_epochs=max_epochs, device=device, random_state=0)
    if way == "single":
        model = EADCTransformerClassifier(**common)
    elif way == "parallel":
        model = EADCEnsembleClassifier(n_estimators=n_members, member_training="sequential", n_jobs=-1, **common)
    else:
        model = EADCEnsembleClassifier(n_estimators=n_members, member_training=way, **common)
    start = time.perf_counter()
    model.fit(X, y)
    if device == "cuda":
        import torch

        torch.cuda.synchronize()
    return time.perf_counter() - start


def device_name(device: str) -> str:
    if device == "cuda":
        import torch

        return torch.cuda.get_device_name()
    return f"CPU ({platform.processor() or platform.machine()}), {__import__('torch').get_num_threads()} threads"


def write_results(output: Path, name: str, title: str, description: str, rows: list[dict],
                  summary: str = "", digits: int = 3) -> None:
    """Write ``NAME.csv`` and ``NAME.md`` (title, this script's command, ``description``, the
    table, ``summary``) in ``output``. Called after each problem, so
    that a stopped run keeps what it measured."""
    table = pd.DataFrame(rows)
    table.to_csv(output / f"{name}.csv", index=False)
    command = "python benchmarks/" + Path(sys.argv[0]).name + " " + " ".join(sys.argv[1:])
    lines = [f"# {title}", "", "```bash", command, "```", "", description, "",
             table.round(digits).to_markdown(index=False), "", summary]
    (output / f"{name}.md").write_text("\n".join(lines).rstrip() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--datasets", required=True, help="comma-separated problem names")
    parser.add_argument("--n-members", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--ways", default=",".join(WAYS), help=f"comma-separated, from {WAYS}; single always runs")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()

    from tsevo.datasets import load_uea

    ways = ["single"] + [w for w in args.ways.split(",") if w in WAYS and w != "single"]
    rows = []
    args.output.mkdir(parents=True, exist_ok=True)
    for name in args.datasets.split(","):
        X, y, _, _ = load_uea(name, data_dir=args.data_dir)
        fit_seconds("single", X[:16] if not isinstance(X, list) else X[:16], y[:16], 2, 1, args.device)  # warm-up
        row = {"dataset": name, "n_train": len(y), "max_epochs": args.max_epochs, "n_members": args.n_members}
        for way in ways:
            row[f"{way}_seconds"] = fit_seconds(way, X, y, args.n_members, args.max_epochs, args.device)
            print(name, way, f"{row[f'{way}_seconds']:.1f} s", flush=True)
        for way in ways[1:]:
            row[f"{way}_over_single"] = row[f"{way}_seconds"] / row["single_seconds"]
        rows.append(row)
        write_results(
            args.output, "ensemble_speed", "Fit time of an ensemble against one network",
            f"Device: {device_name(args.device)}; torch {__import__('torch').__version__}. Defaults except "
            f"max_epochs={args.max_epochs} for every network; ensembles of {args.n_members} members trained "
            "together (batched), one after another (sequential), one per core in worker processes (parallel, "
            f"{os.cpu_count()} cores) or as snapshots of one run of twice the epochs (snapshot); the first fit "
            "of a small slice was a warm-up.", rows,
            "Mean ratio to one network: " + ", ".join(
                f"{way} {pd.DataFrame(rows)[f'{way}_over_single'].mean():.2f}x" for way in ways[1:]) + ".")
    print((args.output / "ensemble_speed.md").read_text())


if __name__ == "__main__":
    main()
