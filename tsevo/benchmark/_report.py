"""``results.md`` and the critical-difference diagram from ``results.csv``."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def accuracy_table(results: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean ``metric`` over resamples: one row per dataset, one column per estimator."""
    ok = results[results["error"] == ""]
    return ok.pivot_table(index="dataset", columns="estimator", values=metric, aggfunc="mean")


def average_ranks(table: pd.DataFrame) -> pd.Series:
    """Average rank (1 = best, ties shared) over datasets every estimator finished."""
    complete = table.dropna()
    return complete.rank(axis=1, ascending=False).mean().sort_values()


def read_published(path: str | os.PathLike) -> pd.DataFrame:
    """Published accuracies as a table with columns named ``NAME (published)``."""
    published = pd.read_csv(path)
    missing = {"dataset", "estimator", "accuracy", "source"} - set(published.columns)
    if missing:
        raise ValueError(f"{path} lacks the columns {sorted(missing)}")
    table = published.pivot_table(index="dataset", columns="estimator", values="accuracy")
    table.columns = [f"{c} (published)" for c in table.columns]
    return table


def _markdown(table: pd.DataFrame, bold_best_of: list[str]) -> list[str]:
    lines = ["| dataset | " + " | ".join(table.columns) + " |", "|---" * (len(table.columns) + 1) + "|"]
    for dataset, row in table.iterrows():
        best = row[bold_best_of].max()
        cells = []
        for col, value in row.items():
            text = "" if pd.isna(value) else f"{value:.3f}"
            cells.append(f"**{text}**" if col in bold_best_of and text and value == best else text)
        lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
    return lines


def markdown_table(table: pd.DataFrame, digits: int = 3) -> list[str]:
    """A plain Markdown table of ``table`` (no index), floats to ``digits`` places."""
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if pd.isna(value) else f"{value:.{digits}f}"
        return str(value)

    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|---" * len(table.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return lines


def _mean_cell(column: pd.Series) -> str:
    """The column mean, with the number of datasets behind it when some are missing."""
    count = column.notna().sum()
    return f"{column.mean():.3f}" + (f" (n={count})" if count < len(column) else "")


def plot_cd(table: pd.DataFrame, path: Path) -> bool:
    """Critical-difference diagram (aeon: Friedman, then Wilcoxon-Holm cliques).

    Returns False when there is too little data: the Friedman test needs at
    least 3 estimators, and a ranking needs a few datasets."""
    complete = table.dropna()
    if complete.shape[1] < 3 or complete.shape[0] < 3:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from aeon.visualisation import plot_critical_difference

    fig, _ = plot_critical_difference(complete.to_numpy(), list(complete.columns))
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return True


def _padding_note(results: pd.DataFrame) -> list[str]:
    """Say where an estimator's series were zero-padded at the end, and to what length."""
    if "padded_to" not in results:
        return []
    padded = results[pd.to_numeric(results["padded_to"], errors="coerce").notna()]
    if padded.empty:
        return []
    lines = ["", "## Padding", "",
             "Series were zero-padded at the end for these cells (unequal lengths for an estimator "
             "that needs equal ones, or series shorter than its minimum length):", ""]
    for (dataset, estimator), group in padded.groupby(["dataset", "estimator"]):
        lines.append(f"- {estimator} on {dataset}: to {int(float(group['padded_to'].iloc[0]))} steps")
    return lines


def write_report(
    results: pd.DataFrame, out: Path, published: str | os.PathLike | None = None, command: str | None = None
) -> Path:
    """Write ``results.md`` (and ``cd.png``) into ``out``."""
    table = accuracy_table(results)
    measured = list(table.columns)
    lines = ["# Benchmark results", ""]
    if command:
        lines += ["Produced by:", "", "```bash", command, "```", ""]
    resamples = results.groupby("estimator")["resample"].nunique()
    lines += [
        "Accuracy on the test split, mean over resamples "
        f"({', '.join(f'{e}: {resamples[e]}' for e in measured)}); best measured value per dataset in bold.",
        "",
    ]
    shown = table
    if published is not None:
        shown = table.join(read_published(published), how="left")
        lines += ["Columns marked *(published)* are reported results, not measured here.", ""]
    lines += _markdown(shown, measured)
    lines.append("| **mean** | " + " | ".join(_mean_cell(shown[c]) for c in shown.columns) + " |")
    ranks = average_ranks(table)
    lines += ["", "## Average rank (1 = best)", "",
              "| estimator | average rank | mean accuracy | mean balanced accuracy | total fit s |",
              "|---|---|---|---|---|"]
    fit_seconds = results.groupby("estimator")["fit_seconds"].sum()
    balanced = accuracy_table(results, "balanced_accuracy") if "balanced_accuracy" in results else None
    for estimator, rank in ranks.items():
        mean_balanced = "" if balanced is None else f"{balanced[estimator].mean():.3f}"
        lines.append(f"| {estimator} | {rank:.2f} | {table[estimator].mean():.3f} | {mean_balanced} | "
                     f"{fit_seconds[estimator]:.0f} |")
    lines += _padding_note(results)
    if plot_cd(table, out / "cd.png"):
        lines += ["", "## Critical difference diagram", "", "![critical difference diagram](cd.png)", "",
                  "Wilcoxon signed-rank tests with Holm correction (alpha 0.1); estimators joined by a bar "
                  "are not significantly different."]
    lines += ["", "Times are wall-clock seconds on this machine; `peak_memory_mb` in `results.csv` is the "
              "resident memory high-water mark of the process during the cell, which includes memory the "
              "process still held from earlier cells."]
    errors = results[results["error"] != ""]
    if len(errors):
        lines += ["", "## Failed cells", "", "| dataset | estimator | resample | error |", "|---|---|---|---|"]
        lines += [f"| {r.dataset} | {r.estimator} | {r.resample} | {r.error} |" for r in errors.itertuples()]
    path = out / "results.md"
    path.write_text("\n".join(lines) + "\n")
    return path


__all__ = ["accuracy_table", "average_ranks", "plot_cd", "read_published", "write_report"]
