"""``results.md`` and the critical-difference diagram from ``results.csv``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd


def accuracy_table(results: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean ``metric`` over resamples: one row per dataset, one column per estimator."""
    ok = results[results["error"] == ""]
    return ok.pivot_table(index="dataset", columns="estimator", values=metric, aggfunc="mean")


def average_ranks(table: pd.DataFrame, higher_is_better: bool = True) -> pd.Series:
    """Average rank (1 = best, ties shared) over datasets every estimator finished."""
    complete = table.dropna()
    return complete.rank(axis=1, ascending=not higher_is_better).mean().sort_values()


def read_published(path: str | os.PathLike | pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Published scores (a CSV or a table with ``dataset, estimator, METRIC, source``)
    as a table with columns named ``NAME (published)``."""
    published = path if isinstance(path, pd.DataFrame) else pd.read_csv(path)
    missing = {"dataset", "estimator", metric, "source"} - set(published.columns)
    if missing:
        name = "the published table" if isinstance(path, pd.DataFrame) else path
        raise ValueError(f"{name} lacks the columns {sorted(missing)}")
    table = published.pivot_table(index="dataset", columns="estimator", values=metric)
    table.columns = [f"{c} (published)" for c in table.columns]
    return table


def _markdown(table: pd.DataFrame, bold_best_of: list[str], higher_is_better: bool = True,
              digits: int = 3) -> list[str]:
    lines = ["| dataset | " + " | ".join(table.columns) + " |", "|---" * (len(table.columns) + 1) + "|"]
    for dataset, row in table.iterrows():
        best = row[bold_best_of].max() if higher_is_better else row[bold_best_of].min()
        cells = []
        for col, value in row.items():
            text = "" if pd.isna(value) else (f"{value:.{digits}g}" if digits > 3 else f"{value:.{digits}f}")
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


def results_csv(path: str | os.PathLike) -> Path:
    """``path`` itself, or the ``results.csv`` inside it when it is a folder."""
    path = Path(path)
    return path / "results.csv" if path.is_dir() else path


def load_results(path: str | os.PathLike) -> pd.DataFrame:
    """The rows of a ``results.csv`` written by ``tsevo benchmark`` (or of the one in the
    folder ``path``), with ``error`` as ``""`` where a cell had none; a ``ValueError`` for a
    path that holds none or a table without the columns of benchmark results."""
    csv = results_csv(path)
    if not csv.is_file():
        raise ValueError(f"{path} is neither a results.csv nor a folder holding one")
    results = pd.read_csv(csv)
    missing = {"dataset", "estimator", "resample", "fit_seconds"} - set(results.columns)
    if missing:
        raise ValueError(f"{csv} lacks the columns {sorted(missing)} of tsevo benchmark's results")
    results["error"] = results["error"].fillna("") if "error" in results else ""
    return results


def select_estimators(results: pd.DataFrame, keep: dict[str, str] | None) -> pd.DataFrame:
    """The rows of the estimators named in ``keep``, renamed to its values (all rows for None)."""
    if keep is None:
        return results
    unknown = set(keep) - set(results["estimator"])
    if unknown:
        raise ValueError(f"no rows of {sorted(unknown)}; the results hold {sorted(set(results['estimator']))}")
    chosen = results[results["estimator"].isin(keep)].copy()
    chosen["estimator"] = chosen["estimator"].map(keep)
    return chosen


def combine_results(parts: list[pd.DataFrame]) -> tuple[pd.DataFrame, int]:
    """One table of the benchmark results ``parts`` (as :func:`load_results` reads them).

    Where two parts hold the same (dataset, estimator, resample) cell, the later
    part's row is kept. Returns the table and how many rows were dropped so.
    """
    combined = pd.concat(parts, ignore_index=True)
    key = ["dataset", "estimator", "resample"]
    kept = combined.drop_duplicates(key, keep="last")
    return kept.reset_index(drop=True), len(combined) - len(kept)


def _pyplot():
    """matplotlib's pyplot on the Agg backend: reports are written to files, never shown."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    fig.savefig(path, dpi=150, bbox_inches="tight")
    _pyplot().close(fig)


def plot_cd(table: pd.DataFrame, path: Path, lower_better: bool = False) -> bool:
    """Critical-difference diagram (aeon: Friedman, then Wilcoxon-Holm cliques).

    Returns False when there is too little data: the Friedman test needs at
    least 3 estimators, and a ranking needs a few datasets."""
    complete = table.dropna()
    if complete.shape[1] < 3 or complete.shape[0] < 3:
        return False
    _pyplot()
    from aeon.visualisation import plot_critical_difference

    fig, _ = plot_critical_difference(complete.to_numpy(), list(complete.columns), lower_better=lower_better)
    _save(fig, path)
    return True


def _file_safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def check_pairs(pairs: list[tuple[str, str]] | None, estimators: list[str]) -> None:
    """A ``ValueError`` naming the estimators of ``pairs`` that are not in ``estimators``."""
    unknown = sorted({name for pair in pairs or [] for name in pair} - set(estimators))
    if unknown:
        raise ValueError(f"the pairs name {unknown}, which are not among the estimators {sorted(estimators)}")


def pairwise_comparison(table: pd.DataFrame, a: str, b: str, higher_is_better: bool = True) -> dict:
    """Estimator ``a`` against ``b`` on the problems both finished.

    Parameters
    ----------
    table : pandas.DataFrame
        Scores, one row per problem and one column per estimator (as
        :func:`accuracy_table` gives them); missing cells are left out.
    a, b : str
        The two columns compared.
    higher_is_better : bool, default=True
        False for errors (RMSE).

    Returns
    -------
    dict
        ``problems``, ``wins``, ``ties`` and ``losses`` of ``a``,
        ``mean_difference`` (a minus b) and ``p_value``, the two-sided Wilcoxon
        signed-rank test on the problems that are not tied (None where it is
        undefined: fewer than 2 of them).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"eadc": [0.9, 0.8, 0.7], "rocket": [0.8, 0.8, 0.9]}, index=["A", "B", "C"])
    >>> c = pairwise_comparison(table, "eadc", "rocket")
    >>> c["wins"], c["ties"], c["losses"], round(c["mean_difference"], 3)
    (1, 1, 1, -0.033)
    """
    from scipy.stats import wilcoxon

    check_pairs([(a, b)], list(table.columns))
    both = table[[a, b]].dropna()
    difference = (both[a] - both[b]).to_numpy()
    tied = np.isclose(difference, 0.0, rtol=0.0, atol=1e-12)
    better = difference > 0 if higher_is_better else difference < 0
    p_value = None
    if (~tied).sum() >= 2:
        p_value = float(wilcoxon(difference[~tied]).pvalue)
    return {"problems": len(both), "wins": int((better & ~tied).sum()), "ties": int(tied.sum()),
            "losses": int((~better & ~tied).sum()), "mean_difference": float(difference.mean()) if len(both) else
            float("nan"), "p_value": p_value}


def _pairwise_lines(table: pd.DataFrame, pairs: list[tuple[str, str]], out: Path, higher: bool,
                    metric: str) -> list[str]:
    """The section of ``results.md`` on each pair, with a scatter plot where 3 or more problems
    are shared."""
    lines = ["", "## Pairwise comparisons", "",
             f"On the problems both finished: wins, ties and losses of the first, the mean difference in {metric} "
             "(first minus second) and the two-sided Wilcoxon signed-rank p-value (ties left out).", "",
             "| first | second | problems | wins / ties / losses | mean difference | p |", "|---|---|---|---|---|---|"]
    figures = []
    for a, b in pairs:
        c = pairwise_comparison(table, a, b, higher)
        p_text = "" if c["p_value"] is None else f"{c['p_value']:.3g}"
        lines.append(f"| {a} | {b} | {c['problems']} | {c['wins']} / {c['ties']} / {c['losses']} | "
                     f"{c['mean_difference']:+.4f} | {p_text} |")
        if c["problems"] >= 3:
            path = out / f"scatter_{_file_safe(a)}_vs_{_file_safe(b)}.png"
            _plot_pair(table[[a, b]].dropna(), a, b, path, metric, higher, c)
            figures += ["", f"![{a} against {b}]({path.name})"]
    return lines + figures


def _plot_pair(both: pd.DataFrame, a: str, b: str, path: Path, metric: str, higher: bool, counts: dict) -> None:
    """One point per problem, ``b`` across and ``a`` up, with the diagonal of equal scores.
    (aeon's plot_pairwise_scatter would need seaborn for the same picture.)"""
    x, y = both[b].to_numpy(), both[a].to_numpy()
    low, high = min(x.min(), y.min()), max(x.max(), y.max())
    margin = 0.03 * (high - low or 1.0)
    tied = np.isclose(x, y, rtol=0.0, atol=1e-12)
    a_better = (y > x if higher else y < x) & ~tied
    fig, ax = _pyplot().subplots(figsize=(5, 5))
    ax.plot([low - margin, high + margin], [low - margin, high + margin], color="grey", lw=1, zorder=0)
    groups = [(a_better, "tab:blue", f"{a} better"), (~a_better & ~tied, "tab:orange", f"{b} better"),
              (tied, "grey", "equal")]
    for chosen, colour, label in groups:
        ax.scatter(x[chosen], y[chosen], s=22, color=colour, label=label)
    ax.set(xlim=(low - margin, high + margin), ylim=(low - margin, high + margin), aspect="equal",
           xlabel=f"{b} {metric}", ylabel=f"{a} {metric}",
           title=f"{a} against {b}: {counts['wins']} wins, {counts['ties']} ties, {counts['losses']} losses")
    ax.title.set_fontsize(9)
    ax.legend(loc="lower right", fontsize=8)
    _save(fig, path)


def plot_score_time(results: pd.DataFrame, table: pd.DataFrame, path: Path, metric: str = "accuracy",
                    higher_is_better: bool = True) -> bool:
    """Mean score against total fit seconds (log scale), one point per estimator, on the
    problems every estimator finished; False (nothing drawn) for fewer than 2 estimators or
    no such problem."""
    common = table.dropna().index
    if table.shape[1] < 2 or len(common) == 0:
        return False
    ok = results[(results["error"] == "") & results["dataset"].isin(common)]
    seconds = ok.groupby("estimator")["fit_seconds"].sum().reindex(table.columns)
    scores = table.loc[common].mean()
    fig, ax = _pyplot().subplots(figsize=(6, 4))
    ax.scatter(seconds, scores, s=30)
    for name in table.columns:
        ax.annotate(name, (seconds[name], scores[name]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set(xscale="log", xlabel=f"total fit seconds on the {len(common)} problems",
           ylabel=f"mean {metric}" + ("" if higher_is_better else " (lower is better)"))
    ax.grid(alpha=0.3)
    _save(fig, path)
    return True


def _padding_note(results: pd.DataFrame) -> list[str]:
    """Say where an estimator's series were changed to suit it: zero-padded at
    the end (and to what length), or missing values interpolated."""
    padded = results[pd.to_numeric(results.get("padded_to"), errors="coerce").notna()] \
        if "padded_to" in results else results.iloc[:0]
    imputed = results[results["imputed"].astype(str) == "True"] if "imputed" in results else results.iloc[:0]
    if padded.empty and imputed.empty:
        return []
    lines = ["", "## Padding and missing values", "",
             "Series were zero-padded at the end for these cells (unequal lengths for an estimator "
             "that needs equal ones, or series shorter than its minimum length), or their missing "
             "values linearly interpolated (for an estimator that takes no NaN):", ""]
    for (dataset, estimator), group in padded.groupby(["dataset", "estimator"]):
        lines.append(f"- {estimator} on {dataset}: padded to {int(float(group['padded_to'].iloc[0]))} steps")
    for (dataset, estimator), _ in imputed.groupby(["dataset", "estimator"]):
        lines.append(f"- {estimator} on {dataset}: missing values interpolated")
    return lines


# task -> (metric, higher is better, its name, further metrics in the rank table)
METRICS = {
    "classification": ("accuracy", True, "Accuracy", ("balanced_accuracy",)),
    "regression": ("rmse", False, "RMSE", ("mae", "r2")),
}


def write_report(
    results: pd.DataFrame,
    out: Path,
    published: str | os.PathLike | pd.DataFrame | None = None,
    command: str | None = None,
    task: str = "classification",
    pairs: list[tuple[str, str]] | None = None,
) -> Path:
    """Write ``results.md`` (and ``cd.png``) into ``out``; for each (first, second) of
    ``pairs``, a comparison of the two and ``scatter_FIRST_vs_SECOND.png``."""
    metric, higher, label, extras = METRICS[task]
    table = accuracy_table(results, metric)
    measured = list(table.columns)
    check_pairs(pairs, measured)
    lines = ["# Benchmark results", ""]
    if command:
        lines += ["Produced by:", "", "```bash", command, "```", ""]
    resamples = results.groupby("estimator")["resample"].nunique()
    lines += [
        f"{label} on the test split, mean over resamples "
        f"({', '.join(f'{e}: {resamples[e]}' for e in measured)}); best measured value per dataset in bold.",
        "",
    ]
    shown = table
    if published is not None:
        shown = table.join(read_published(published, metric), how="left")
        lines += ["Columns marked *(published)* are reported results, not measured here.", ""]
    lines += _markdown(shown, measured, higher, digits=3 if higher else 4)
    lines.append("| **mean** | " + " | ".join(_mean_cell(shown[c]) for c in shown.columns) + " |")
    lines += _rank_table(results, table, higher, metric, extras)
    if published is not None:
        lines += _published_lines(shown, measured, higher, metric)
    if pairs:
        lines += _pairwise_lines(table, pairs, out, higher, metric)
    lines += _padding_note(results)
    if plot_cd(table, out / "cd.png", lower_better=not higher):
        lines += ["", "## Critical difference diagram", "", "![critical difference diagram](cd.png)", "",
                  "Wilcoxon signed-rank tests with Holm correction (alpha 0.1); estimators joined by a bar "
                  "are not significantly different."]
    if plot_score_time(results, table, out / "score_time.png", metric, higher):
        lines += ["", "## Score against fit time", "", f"![mean {metric} against fit seconds](score_time.png)", "",
                  f"Mean {metric} and total fit seconds of each estimator on the problems every estimator finished."]
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


def _rank_table(results: pd.DataFrame, table: pd.DataFrame, higher: bool, metric: str, extras) -> list[str]:
    """Average rank, mean scores and total fit seconds per estimator, on the problems every
    estimator finished; for a lower-is-better score, also its mean ratio to the best estimator
    on each problem. Where some estimator lacks problems, also each one's count and mean on all
    of its own."""
    extras = [e for e in extras if e in results]
    common = table.dropna().index
    if len(common) == 0:
        return _counts_table(results, table, higher, metric)
    partial = len(common) < len(table)
    relative = None if higher else table.div(table.min(axis=1), axis=0)
    header = ["estimator", "average rank", f"mean {metric}", *(f"mean {e}" for e in extras)]
    header += [] if higher else [f"mean {metric} / best {metric}"]
    header += ["problems", f"mean {metric}, all its problems"] if partial else []
    scope = (f"on the {len(common)} problems every estimator finished (of {len(table)})" if partial
             else f"on {len(common)} problems")
    lines = ["", "## Average rank (1 = best)", "", f"Ranks and means {scope}; fit seconds of all cells.", "",
             "| " + " | ".join([*header, "total fit s"]) + " |", "|---" * (len(header) + 1) + "|"]
    fit_seconds = results.groupby("estimator")["fit_seconds"].sum()
    extra_tables = {e: accuracy_table(results, e).loc[common] for e in extras}

    for estimator, rank in average_ranks(table, higher).items():
        cells = [estimator, f"{rank:.2f}", _score(table.loc[common, estimator].mean(), higher)]
        cells += [f"{extra_tables[e][estimator].mean():.3f}" for e in extras]
        cells += [] if relative is None else [f"{relative.loc[common, estimator].mean():.3f}"]
        if partial:
            cells += [str(table[estimator].notna().sum()), _score(table[estimator].mean(), higher)]
        lines.append("| " + " | ".join([*cells, f"{fit_seconds[estimator]:.0f}"]) + " |")
    return lines


def _published_lines(shown: pd.DataFrame, measured: list[str], higher: bool, metric: str) -> list[str]:
    """Measured and published estimators ranked together on the problems where every one has a
    score, and each measured estimator's wins, ties and losses against each published one there."""
    # published figures carry four decimals: compare ours at the same precision, so that equal counts as a tie
    complete = shown.dropna().round(4)
    published = [c for c in shown.columns if c not in measured]
    if len(complete) == 0 or not published:
        return ["", "## Against the published figures", "",
                "No problem has a score from every measured and every published estimator, so there are no ranks."]
    lines = ["", "## Against the published figures", "",
             f"Measured and published estimators ranked together on the {len(complete)} problems where every one "
             f"has a score (1 = best), all at four decimals; a published figure may average other resamples "
             "than ours (its source says which).", "",
             f"| estimator | average rank | mean {metric} |", "|---|---|---|"]
    for estimator, rank in average_ranks(complete, higher).items():
        lines.append(f"| {estimator} | {rank:.2f} | {_score(complete[estimator].mean(), higher)} |")
    lines += ["", "Wins / ties / losses of each measured estimator (rows) against each published one (columns) "
              "on the same problems:", "", "| estimator | " + " | ".join(published) + " |",
              "|---" * (len(published) + 1) + "|"]
    for estimator in measured:
        counts = [pairwise_comparison(complete, estimator, other, higher) for other in published]
        lines.append(f"| {estimator} | " + " | ".join(f"{c['wins']} / {c['ties']} / {c['losses']}"
                                                      for c in counts) + " |")
    return lines


def _counts_table(results: pd.DataFrame, table: pd.DataFrame, higher: bool, metric: str) -> list[str]:
    """Where no problem was finished by every estimator there is nothing to rank on: each
    estimator's count of problems, mean on them and total fit seconds."""
    fit_seconds = results.groupby("estimator")["fit_seconds"].sum()
    lines = ["", "## Average rank (1 = best)", "",
             "No problem was finished by every estimator, so there are no ranks; each estimator's mean is "
             "on its own problems and not comparable with the others'.", "",
             f"| estimator | problems | mean {metric}, its problems | total fit s |", "|---|---|---|---|"]
    for estimator in table.columns:
        lines.append(f"| {estimator} | {table[estimator].notna().sum()} | "
                     f"{_score(table[estimator].mean(), higher)} | {fit_seconds[estimator]:.0f} |")
    return lines


def _score(value: float, higher: bool) -> str:
    """Accuracies to 3 places; errors (RMSE) to 4 significant digits."""
    return f"{value:.3f}" if higher else f"{value:.4g}"


__all__ = [
    "accuracy_table", "average_ranks", "check_pairs", "combine_results", "load_results", "pairwise_comparison",
    "plot_cd", "plot_score_time", "read_published", "select_estimators", "write_report",
]
