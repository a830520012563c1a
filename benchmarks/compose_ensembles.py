"""Score ensembles composed from single networks' validation probabilities.

``validate.py --proba-dir`` keeps each cell's probabilities on its validation
cases; an ensemble of networks that differ in seed or configuration is then
the mean of its members' probabilities, scored without training anything
again. This is how members that differ in more than their seed (an ensemble
whose members alternate between two trainings, say) are compared with the
seed ensemble at equal cost. ``--validation`` may name several of
validate.py's CSVs, comma-separated, so that an ensemble can take networks of
several runs.

    python benchmarks/compose_ensembles.py --proba-dir PROBA --validation CSV --split 1 \
        --ensembles "cutmix=cutmix@0+cutmix@1+cutmix@2,mixed=cutmix@0+no_mixing@1+cutmix@2" \
        --output benchmarks/results/defaults/member_mixing_ensembles.csv

The first ensemble is the baseline of the wins, ties and losses. Besides
accuracy the table gives the log loss and the Brier score: with 7 to 50
validation cases a problem's accuracy moves in steps of 0.02 to 0.14, while
these proper scores move with every case's probability.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import signed_rank_p, write_markdown  # noqa: E402

from tsevo.benchmark._report import markdown_table  # noqa: E402
from tsevo.estimators._calibration import fit_temperature  # noqa: E402

EPS = 1e-7  # probabilities are clipped to [EPS, 1] before the log loss, as scikit-learn's log_loss does


def parse_ensembles(spec: str) -> dict[str, list[str]]:
    """``"NAME=CELL+CELL,..."`` -> ``{NAME: [CELL, ...]}`` (a cell is a configuration of validate.py)."""
    ensembles = {}
    for item in spec.split(","):
        name, _, members = item.partition("=")
        if not members:
            raise ValueError(f"ensemble {item!r} must be written NAME=CELL+CELL")
        ensembles[name] = members.split("+")
    return ensembles


def load_member(folder: Path, cell: str, split: int) -> dict | None:
    path = folder / f"{cell}-{split}.npz"
    return dict(np.load(path)) if path.exists() else None


def score(members: list[dict]) -> dict:
    """Accuracy, log loss and Brier score of the members' mean probabilities, and their mean accuracy alone."""
    first = members[0]
    for member in members[1:]:  # every member must have seen the same cases with the same classes
        same_cases = np.array_equal(member["valid"], first["valid"])
        if not (same_cases and np.array_equal(member["classes"], first["classes"])):
            raise ValueError("members were validated on different cases or classes")
    classes, labels = first["classes"], first["labels"]
    truth = (labels[:, None] == classes[None, :]).astype(float)  # (n_valid, n_classes) one-hot
    mean = np.mean([m["probabilities"] for m in members], axis=0)
    alone = [np.mean(classes[m["probabilities"].argmax(1)] == labels) for m in members]
    return {
        "valid_accuracy": float(np.mean(classes[mean.argmax(1)] == labels)),
        "valid_log_loss": float(-np.mean(np.log(np.clip((mean * truth).sum(1), EPS, 1.0)))),
        "valid_brier": float(np.mean(((mean - truth) ** 2).sum(1))),
        "valid_confidence": float(mean.max(axis=1).mean()),  # above the accuracy where overconfident
        # the hybrid's calibration of its ridge peers, on log(p): above 1 where overconfident; fitted on the
        # cases it is read on, so it describes the calibration and estimates no gain
        "valid_temperature": fit_temperature(np.log(np.clip(mean, EPS, 1.0)), truth.argmax(1)),
        "members_mean_accuracy": float(np.mean(alone)),
    }


def read_validation(paths: str) -> pd.DataFrame:
    """validate.py's CSVs, comma-separated, as one table: an ensemble may take networks of several runs."""
    return pd.concat([pd.read_csv(path) for path in paths.split(",")], ignore_index=True)


def compose(proba_dir: Path, validation: pd.DataFrame, split: int, ensembles: dict[str, list[str]]) -> pd.DataFrame:
    """One row per (ensemble, problem) whose members all finished; fit seconds summed over the members."""
    seconds = validation[validation["split"] == split].set_index(["config", "dataset"])["fit_seconds"]
    rows = []
    for folder in sorted(p for p in proba_dir.iterdir() if p.is_dir()):
        for name, cells in ensembles.items():
            members = [load_member(folder, cell, split) for cell in cells]
            if any(m is None for m in members):
                continue
            rows.append({"config": name, "dataset": folder.name, "split": split, **score(members),
                         "fit_seconds": float(sum(seconds.get((cell, folder.name), np.nan) for cell in cells))})
    return pd.DataFrame(rows)


def proper_scores(rows: pd.DataFrame, baseline: str) -> list[str]:
    """Markdown: mean log loss and Brier score per ensemble on the problems all finished, against the baseline."""
    lines = []
    for metric in ("valid_log_loss", "valid_brier"):
        table = rows.pivot_table(index="dataset", columns="config", values=metric).dropna()
        summary = pd.DataFrame({
            "ensemble": table.columns,
            f"mean {metric.replace('_', ' ')}": table.mean().to_numpy(),
            f"better/worse than {baseline}": [
                "" if c == baseline else f"{(table[c] < table[baseline]).sum()}/{(table[c] > table[baseline]).sum()}"
                for c in table.columns],
            "signed-rank p": ["" if c == baseline else signed_rank_p((table[c] - table[baseline]).round(12))
                              for c in table.columns],
        })
        lines += ["", f"{metric.replace('_', ' ')} (lower is better) on the {len(table)} problems:", "",
                  *markdown_table(summary)]
    members = rows.pivot_table(index="config", values="members_mean_accuracy").reset_index()
    lines += ["", "Mean accuracy of the members alone (what one network of each ensemble scores on average):", "",
              *markdown_table(members)]
    return lines + calibration(rows)


def calibration(rows: pd.DataFrame) -> list[str]:
    """Markdown: how sure each ensemble is against how often it is right, and the temperature that fits it."""
    table = rows.groupby("config", sort=False).agg(
        accuracy=("valid_accuracy", "mean"), confidence=("valid_confidence", "mean"),
        median_temperature=("valid_temperature", "median"),
        problems_overconfident=("valid_temperature", lambda t: f"{int((t > 1).sum())} of {len(t)}"))
    return ["", "Calibration: mean accuracy against mean confidence (the probability of the class predicted), and",
            "the median over problems of the temperature T of least log loss for softmax(log p / T), fitted on",
            "the validation cases themselves (T > 1: overconfident, T < 1: underconfident):", "",
            *markdown_table(table.reset_index())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proba-dir", required=True, help="validate.py's --proba-dir")
    parser.add_argument("--validation", required=True,
                        help="validate.py's CSV(s) of the same cells, comma-separated (fit seconds)")
    parser.add_argument("--split", type=int, default=0)
    parser.add_argument("--ensembles", required=True, help="NAME=CELL+CELL,...; the first is the baseline")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    ensembles = parse_ensembles(args.ensembles)
    rows = compose(Path(args.proba_dir), read_validation(args.validation), args.split, ensembles)
    if rows.empty:
        raise SystemExit("no problem has every member of an ensemble yet")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(out, index=False)
    command = "python benchmarks/compose_ensembles.py " + " ".join(sys.argv[1:])
    write_markdown(out, command, list(ensembles))
    markdown = out.with_suffix(".md")
    extra = proper_scores(rows, next(iter(ensembles)))
    markdown.write_text(markdown.read_text() + "\n".join(extra) + "\n")


if __name__ == "__main__":
    main()
