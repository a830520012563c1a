"""Fit time and peak memory of the default estimator on large synthetic problems.

    python benchmarks/scale.py --output benchmarks/results/scale

Two shapes from the speed issue: long series (2,500 timepoints) and many
cases (7,500), plus the harness's bound (10,000 cases x 3,000 timepoints).
The series are random walks whose class shifts a bump's position, so the
problem is learnable; the point is time and memory, not accuracy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

SHAPES = {  # name: (train cases, channels, timepoints)
    "long-2500": (300, 3, 2500),
    "many-7500": (7500, 3, 100),
    "bound-10000x3000": (10000, 3, 3000),
}


def synthetic(n_cases: int, n_channels: int, length: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n_cases)
    X = rng.normal(size=(n_cases, n_channels, length)).cumsum(axis=2) * 0.1
    centre = (0.2 + 0.2 * y) * length
    bump = np.exp(-0.5 * ((np.arange(length)[None, :] - centre[:, None]) / (0.02 * length)) ** 2)
    X += 2.0 * bump[:, None, :]
    return X.astype(np.float32), y


def main() -> None:
    from tsevo import EADCTransformerClassifier
    from tsevo._memory import PeakMemory

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="benchmarks/results/scale")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    args = parser.parse_args()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["# Default estimator on large synthetic problems (2 CPU cores)", "", "```bash",
             "python benchmarks/scale.py " + " ".join(sys.argv[1:]), "```", "",
             "| problem | cases | channels | timepoints | patch | epochs | fit s | predict cases/s "
             "| peak memory MB | train accuracy |", "|---|---|---|---|---|---|---|---|---|---|"]
    rows = ["problem,cases,channels,timepoints,patch_size,epochs,fit_seconds,predict_cases_per_s,peak_memory_mb,"
            "train_accuracy"]
    for name in args.shapes.split(","):
        n, c, length = SHAPES[name]
        X, y = synthetic(n, c, length)
        clf = EADCTransformerClassifier(random_state=0, verbose=1)
        with PeakMemory() as memory:
            start = time.perf_counter()
            clf.fit(X, y)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            accuracy = clf.score(X[:1000], y[:1000])
            throughput = min(n, 1000) / (time.perf_counter() - start)
        values = [name, n, c, length, clf.patch_size_, clf.n_iter_, f"{fit_seconds:.0f}", f"{throughput:.0f}",
                  f"{memory.mb:.0f}", f"{accuracy:.3f}"]
        rows.append(",".join(map(str, values)))
        lines.append("| " + " | ".join(map(str, values)) + " |")
        print(values, flush=True)
        (out / "scale.csv").write_text("\n".join(rows) + "\n")
        (out / "scale.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
