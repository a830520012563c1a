"""Training-step time of the estimator's default network against its number of attention heads.

Each evolving layer keeps one ``(T, T)`` map per head and refines the maps with a 3x3 convolution
whose channels are the heads, so the heads set much of a step's cost at the estimator's longest
token sequences (128, ``AUTO_MAX_TOKENS``). Every (heads, tokens) pair is timed in turn, round
after round, so that a change in the machine's load falls on all of them alike; the median of the
rounds is reported.

    python benchmarks/heads_speed.py --output benchmarks/results/speed/heads
"""

from __future__ import annotations

import argparse
import platform
import statistics
from pathlib import Path

from batch_cost import step_seconds  # this folder's: one AdamW step of the network, timed


def network_defaults(n_heads: int) -> dict:
    """The network keywords of the classifier's defaults, with ``n_heads`` heads."""
    from tsevo import EADCTransformerClassifier

    return EADCTransformerClassifier(n_heads=n_heads)._network_params()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heads", default="8,4,2")
    parser.add_argument("--tokens", default="32,64,128")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--channels", type=int, default=6, help="input channels (deviation channels included)")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    import pandas as pd
    import torch

    torch.set_num_threads(args.threads)
    heads = [int(h) for h in args.heads.split(",")]
    lengths = [int(t) for t in args.tokens.split(",")]
    networks = {n_heads: network_defaults(n_heads) for n_heads in heads}
    times: dict[tuple[int, int], list[float]] = {}
    for _ in range(args.rounds):
        for tokens in lengths:
            for n_heads in heads:
                seconds = step_seconds(tokens, args.batch, args.channels, args.steps, **networks[n_heads])
                times.setdefault((n_heads, tokens), []).append(seconds)
    rows = [
        {"n_heads": h, "tokens": t, "seconds_per_step": statistics.median(times[h, t]),
         "relative_to_first": statistics.median(times[h, t]) / statistics.median(times[heads[0], t])}
        for t in lengths for h in heads
    ]
    table = pd.DataFrame(rows)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "heads_speed.csv", index=False)
    command = "python benchmarks/heads_speed.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items())
    header = (f"# Training-step time against attention heads\n\n```bash\n{command}\n```\n\n"
              f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
              f"{args.threads} thread(s), batch {args.batch}, {args.channels} input channels, "
              f"median of {args.rounds} rounds of {args.steps} steps.\n\n")
    body = table.to_markdown(index=False, floatfmt=(".0f", ".0f", ".3f", ".3f"))
    (out / "heads_speed.md").write_text(header + body + "\n")
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
