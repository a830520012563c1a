"""Inference throughput and the working memory of ``attention_maps``.

Each measurement runs in a fresh process, so its peak memory is its own:

    python benchmarks/inference.py --output benchmarks/results/inference --label after

Two measurements with the estimator's defaults on random data (3 channels):
``predict_proba`` on 1,000 cases of 128 steps (cases per second, best of
three calls, after one warm-up call) and ``attention_maps`` of the same
1,000 cases (peak resident memory during the call above the memory held
before it, and the size of the maps it returns). ``--label`` names the code
measured (for example ``before`` on an older checkout, ``after`` on this one);
rows are appended to ``inference.csv`` and the Markdown table is rewritten
from all rows.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

N_CASES, LENGTH, CHANNELS = 1000, 128, 3


def _fitted():
    import numpy as np

    from tsevo import EADCTransformerClassifier

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, CHANNELS, LENGTH))
    y = np.arange(64) % 2
    clf = EADCTransformerClassifier(max_epochs=1, random_state=0, device="cpu").fit(X, y)
    return clf, rng.standard_normal((N_CASES, CHANNELS, LENGTH))


def measure(what: str) -> dict:
    from tsevo._memory import PeakMemory, resident_mb

    clf, X = _fitted()
    if what == "predict_proba":
        clf.predict_proba(X[:100])  # warm-up
        times = []
        for _ in range(3):
            start = time.perf_counter()
            clf.predict_proba(X)
            times.append(time.perf_counter() - start)
        return {"measure": what, "cases_per_second": N_CASES / min(times)}
    held = resident_mb()
    with PeakMemory() as memory:
        maps = clf.attention_maps(X)
    returned = sum(m.nbytes for m in maps) / 2**20
    return {"measure": what, "working_memory_mb": memory.mb - held, "returned_maps_mb": returned}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    import pandas as pd

    from tsevo.benchmark._report import markdown_table

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for what in ("predict_proba", "attention_maps"):
        cmd = [sys.executable, __file__, "--output", args.output, "--label", args.label, "--measure", what]
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append({"code": args.label, **json.loads(result.stdout.strip().splitlines()[-1])})
        print(rows[-1], flush=True)
    csv = out / "inference.csv"
    table = pd.concat([pd.read_csv(csv), pd.DataFrame(rows)]) if csv.exists() else pd.DataFrame(rows)
    table.to_csv(csv, index=False)
    lines = [
        "# Inference throughput and attention-map memory",
        "",
        f"Command: `python benchmarks/inference.py --output {args.output} --label LABEL` "
        "(LABEL names the checkout measured).",
        f"Machine: {platform.machine()}, {platform.system()}, CPU only, 2 cores. {N_CASES} cases, "
        f"{CHANNELS} channels, {LENGTH} steps, estimator defaults.",
        "",
        *markdown_table(table, digits=1),
    ]
    (out / "inference.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
