"""Training-step time, peak memory and inference throughput against series length.

Each (path, length) runs in a fresh process so peak memory is its own:

    python benchmarks/speed.py --output benchmarks/results/speed

Paths: ``straightforward`` (the reference map update), ``fast`` (fused map
update, same results), ``fast+patch`` (fast, with the automatic patch size
of the estimator: at most 128 attention tokens), ``fast+checkpoint`` (fast,
each block recomputed in the backward pass) and ``fast+compile`` (fast, under
``torch.compile``; the first step's compilation is timed apart). ``--paths``
picks some. Model: the authors' README
configuration (d_model 128, 4 blocks, 8 heads, k = v = 0.25, feed-forward
256), 3 channels, AdamW.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

PATHS = ("straightforward", "fast", "fast+patch", "fast+checkpoint", "fast+compile")
DEFAULT_PATHS = ("straightforward", "fast", "fast+patch")
CONFIG = dict(d_model=128, n_blocks=4, n_heads=8, key_fraction=0.25, value_fraction=0.25, d_ff=256, dropout=0.1)


def measure(path: str, length: int, batch: int, steps: int) -> dict:
    import torch

    from tsevo._memory import PeakMemory, resident_mb
    from tsevo.nn import EADCTransformer

    torch.manual_seed(0)
    patch = -(-length // 128) if path == "fast+patch" else 1
    model = EADCTransformer(3, 4, patch_size=patch, fast_maps=path != "straightforward",
                            checkpoint=path == "fast+checkpoint", **CONFIG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    forward = torch.compile(model) if path == "fast+compile" else model
    x, y = torch.randn(batch, 3, length), torch.randint(0, 4, (batch,))
    valid = torch.ones(batch, length, dtype=torch.bool)

    def step():
        loss = torch.nn.functional.cross_entropy(forward(x, valid), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    baseline = resident_mb()  # libraries, model and data, before any step
    start = time.perf_counter()
    step()  # warm-up (and compilation)
    first_step_seconds = time.perf_counter() - start
    with PeakMemory() as memory:
        start = time.perf_counter()
        for _ in range(steps):
            step()
        step_seconds = (time.perf_counter() - start) / steps
    model.eval()
    cases = torch.randn(64, 3, length)
    with torch.inference_mode():
        forward(cases[:8], valid[:1].expand(8, -1))
        start = time.perf_counter()
        forward(cases, valid[:1].expand(64, -1))
        throughput = 64 / (time.perf_counter() - start)
    return {"path": path, "length": length, "batch": batch, "patch_size": patch, "step_seconds": step_seconds,
            "peak_memory_mb": memory.mb, "baseline_memory_mb": baseline, "inference_cases_per_s": throughput,
            "first_step_seconds": first_step_seconds}


def run_all(lengths, batch, steps, max_exact_length, paths=DEFAULT_PATHS) -> list[dict]:
    rows = []
    for length in lengths:
        for path in paths:
            if path != "fast+patch" and length > max_exact_length:
                continue
            cmd = [sys.executable, __file__, "--one", path, str(length), str(batch), str(steps)]
            result = subprocess.run(cmd, capture_output=True, text=True, check=True)
            row = json.loads(result.stdout.strip().splitlines()[-1])
            print(row, flush=True)
            rows.append(row)
    return rows


def write(rows: list[dict], out: Path, command: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import torch

    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    table.to_csv(out / "speed.csv", index=False)
    lines = ["# Speed and memory against length", "", "```bash", command, "```", "",
             f"Machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
             f"torch {torch.__version__}, CPU.", "",
             "| path | length | batch | patch | s / training step | first step s | peak memory MB "
             "| of which before the first step MB | inference cases/s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.path} | {r.length} | {r.batch} | {r.patch_size} | {r.step_seconds:.3f} | "
                     f"{r.first_step_seconds:.1f} | {r.peak_memory_mb:.0f} | {r.baseline_memory_mb:.0f} | "
                     f"{r.inference_cases_per_s:.1f} |")
    (out / "speed.md").write_text("\n".join(lines) + "\n")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for path, group in table.groupby("path"):
        axes[0].plot(group["length"], group["step_seconds"], marker="o", label=path)
        axes[1].plot(group["length"], group["peak_memory_mb"], marker="o", label=path)
    for ax, label in zip(axes, ["seconds per training step", "peak memory (MB)"], strict=True):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("series length")
        ax.set_ylabel(label)
        ax.legend()
    fig.suptitle("EA-DC-Transformer, batch 16, d_model 128, 4 blocks, 8 heads (2 CPU cores)")
    fig.savefig(out / "speed.png", dpi=120)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        path, length, batch, steps = sys.argv[2], *map(int, sys.argv[3:6])
        print(json.dumps(measure(path, length, batch, steps)))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="benchmarks/results/speed")
    parser.add_argument("--lengths", default="64,128,256,512,1024,2048")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--paths", default=",".join(DEFAULT_PATHS), help=f"comma-separated, from {PATHS}")
    parser.add_argument("--max-exact-length", type=int, default=512,
                        help="Longest length for the full-resolution paths (their maps grow with length^2).")
    args = parser.parse_args()
    lengths = [int(v) for v in args.lengths.split(",")]
    paths = args.paths.split(",")
    unknown = set(paths) - set(PATHS)
    if unknown:
        parser.error(f"unknown paths {sorted(unknown)}; choose from {PATHS}")
    rows = run_all(lengths, args.batch, args.steps, args.max_exact_length, paths)
    write(rows, Path(args.output), "python benchmarks/speed.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
