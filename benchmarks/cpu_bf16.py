"""Training-step time of the default network on CPU, float32 against bfloat16 autocast.

The estimator's ``mixed_precision`` applies bf16 autocast on a GPU only; this measures whether
it would pay on a CPU with bf16 instructions (``avx512_bf16``) too. The step is
``batch_cost.step_seconds`` with the estimator's network (conv stem, batch norm, no dropout).

    python benchmarks/cpu_bf16.py --threads 2
"""

from __future__ import annotations

import argparse

from batch_cost import step_seconds

ESTIMATOR_NETWORK = dict(stem="conv", norm="batch", dropout=0.0)


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lengths", default="64,128,256")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("| length | float32 ms | bf16 autocast ms | bf16 / float32 |\n|---|---|---|---|")
    for length in map(int, args.lengths.split(",")):
        full, half = (1000 * step_seconds(length, 16, bf16=bf16, **ESTIMATOR_NETWORK) for bf16 in (False, True))
        print(f"| {length} | {full:.1f} | {half:.1f} | {half / full:.2f} |")


if __name__ == "__main__":
    main()
