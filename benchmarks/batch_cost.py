"""Cost of one training step of the default network against batch size, on this machine.

Whether batching k members can cost less than k networks depends on how a step's time grows
with the cases it computes: near-flat when bound by kernel launches (a GPU), near-linear when
bound by arithmetic (a small CPU).

    python benchmarks/batch_cost.py --lengths 30,100,500 --batches 16,32,80
"""

from __future__ import annotations

import argparse
import time


def step_seconds(length: int, batch: int, channels: int = 6, steps: int = 5, bf16: bool = False,
                 **network) -> float:
    """Mean seconds of a training step after three warm-up steps; ``network``: keywords of the
    network (its own defaults otherwise); ``bf16``: bfloat16 autocast on the CPU."""
    import torch

    from tsevo.nn import EADCTransformer

    torch.manual_seed(0)
    model = EADCTransformer(n_channels=channels, n_classes=4, patch_size=max(1, -(-length // 128)), **network)
    optimizer = torch.optim.AdamW(model.parameters(), 1e-3)
    x, y = torch.randn(batch, channels, length), torch.randint(0, 4, (batch,))
    valid = torch.ones(batch, length, dtype=torch.bool)
    for i in range(steps + 3):  # three warm-up steps
        if i == 3:
            start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = torch.nn.functional.cross_entropy(model(x, valid).float(), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", default="30,100,500")
    parser.add_argument("--batches", default="16,32,80")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    header = " | ".join(f"batch {b} ms" for b in batches)
    print(f"| length | {header} | batch {batches[-1]} / batch {batches[0]} |")
    print("|---" * (len(batches) + 2) + "|")
    for length in (int(n) for n in args.lengths.split(",")):
        ms = [1000 * step_seconds(length, b) for b in batches]
        print(f"| {length} | " + " | ".join(f"{m:.1f}" for m in ms) + f" | {ms[-1] / ms[0]:.2f} |")


if __name__ == "__main__":
    main()
