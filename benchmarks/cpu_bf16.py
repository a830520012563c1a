"""Training-step time of the default network on CPU, float32 against bfloat16 autocast.

The estimator's ``mixed_precision`` applies bf16 autocast on a GPU only; this measures whether
it would pay on a CPU with bf16 instructions (``avx512_bf16``) too.

    python benchmarks/cpu_bf16.py --threads 2
"""

from __future__ import annotations

import argparse
import time


def step_ms(length: int, bf16: bool, batch: int = 16, channels: int = 6, steps: int = 8) -> float:
    import torch

    from tsevo.nn import EADCTransformer

    torch.manual_seed(0)
    model = EADCTransformer(channels, 4, stem="conv", norm="batch", dropout=0.0,
                            patch_size=max(1, -(-length // 128)))
    optimizer = torch.optim.AdamW(model.parameters(), 1e-3)
    x, y = torch.randn(batch, channels, length), torch.randint(0, 4, (batch,))
    valid = torch.ones(batch, length, dtype=torch.bool)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = torch.nn.functional.cross_entropy(model(x, valid).float(), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return 1000 * sorted(times[3:])[len(times[3:]) // 2]  # median after three warm-up steps


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lengths", default="64,128,256")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("| length | float32 ms | bf16 autocast ms | bf16 / float32 |\n|---|---|---|---|")
    for length in map(int, args.lengths.split(",")):
        full, half = step_ms(length, False), step_ms(length, True)
        print(f"| {length} | {full:.1f} | {half:.1f} | {half / full:.2f} |")


if __name__ == "__main__":
    main()
