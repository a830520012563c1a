"""Training-step time, peak GPU memory and model FLOP utilisation on a GPU.

    python benchmarks/gpu_speed.py --output benchmarks/results/speed/gpu

The authors' README configuration (d_model 128, 4 blocks, 8 heads, k = v =
0.25, feed-forward 256), batch 16, 3 channels, AdamW, at lengths 128 to 4,096,
in float32 and in bfloat16 autocast; ``full`` keeps every step as a token
(attention maps grow with length squared, so the longest lengths may not fit),
``patch`` uses the estimator's automatic patch size (at most 128 tokens) with
the flat patch stem, ``conv`` the same number of tokens from the strided
convolutional stem (the estimator's default).
FLOPs of one step (forward and backward) are counted by
``torch.utils.flop_counter``; utilisation is achieved FLOP/s against the
chip's dense peak for the precision (bf16 tensor cores for bfloat16, FP32
without tensor cores for float32, since PyTorch's default float32 matmul
precision does not use TF32).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

CONFIG = dict(d_model=128, n_blocks=4, n_heads=8, key_fraction=0.25, value_fraction=0.25, d_ff=256, dropout=0.1)
# dense peak FLOP/s by device name fragment: (bf16 tensor core, fp32)
PEAKS = {"H100": (989.4e12, 66.9e12), "H200": (989.4e12, 66.9e12)}


def measure(length: int, path: str, dtype: str, batch: int, steps: int) -> dict:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from tsevo.nn import EADCTransformer

    device = torch.device("cuda")
    torch.manual_seed(0)
    patch = 1 if path == "full" else -(-length // 128)
    stem = "conv" if path == "conv" else "patch"
    model = EADCTransformer(3, 4, patch_size=patch, stem=stem, **CONFIG).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x, y = torch.randn(batch, 3, length, device=device), torch.randint(0, 4, (batch,), device=device)
    valid = torch.ones(batch, length, dtype=torch.bool, device=device)
    use_bf16 = dtype == "bf16"

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_bf16):
            loss = torch.nn.functional.cross_entropy(model(x, valid).float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    row = {"length": length, "path": path, "patch_size": patch, "dtype": dtype, "batch": batch}
    try:
        step()
        with FlopCounterMode(display=False) as counter:
            step()
        flops = counter.get_total_flops()
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
        seconds = (time.perf_counter() - start) / steps
    except torch.OutOfMemoryError:
        return {**row, "error": "out of memory"}
    name = torch.cuda.get_device_name()
    peak = next((p for key, p in PEAKS.items() if key in name), (float("nan"), float("nan")))
    achieved = flops / seconds
    return {
        **row, "device": name, "step_seconds": seconds, "gflop_per_step": flops / 1e9,
        "achieved_tflops": achieved / 1e12, "mfu": achieved / (peak[0] if use_bf16 else peak[1]),
        "peak_gpu_memory_mb": torch.cuda.max_memory_allocated() / 2**20, "error": "",
    }


def main() -> None:
    import pandas as pd
    import torch

    from tsevo.benchmark._report import markdown_table

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", required=True)
    parser.add_argument("--lengths", default="128,256,512,1024,2048,4096")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--paths", default="full,patch,conv", help="comma-separated: full, patch, conv")
    args = parser.parse_args()
    rows = []
    for length in map(int, args.lengths.split(",")):
        for path in args.paths.split(","):
            if path != "full" and length <= 128:
                continue  # the same network as full
            for dtype in ("float32", "bf16"):
                rows.append(measure(length, path, dtype, args.batch, args.steps))
                print(rows[-1], flush=True)
                torch.cuda.empty_cache()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    table.to_csv(out / "gpu_speed.csv", index=False)
    shown = table.drop(columns=["device"], errors="ignore")
    lines = ["# Speed on a GPU", "", "```bash", "python benchmarks/gpu_speed.py --output " + args.output, "```", "",
             f"Device: {torch.cuda.get_device_name()}, torch {torch.__version__}.", "", *markdown_table(shown)]
    (out / "gpu_speed.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
