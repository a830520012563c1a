"""Run estimators over datasets and resamples: one CSV row per cell, resumable,
in parallel with joblib locally or on a Dask cluster."""

from __future__ import annotations

import csv
import os
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tsevo._memory import PeakMemory
from tsevo.benchmark._estimators import check_estimator_names, check_params, is_ours, make_estimator, params_taken
from tsevo.benchmark._published import published_results
from tsevo.benchmark._tsml import CaseResults, write_results
from tsevo.estimators._peers import min_length

COLUMNS = [
    "dataset", "estimator", "resample", "accuracy", "balanced_accuracy", "rmse", "mae", "r2", "fit_seconds",
    "predict_seconds", "peak_memory_mb", "n_train", "n_test", "padded_to", "imputed", "error",
]


CASES = "_cases"  # a row's per-case results, written by the main process, never to the CSV
TSML_FOLDER = "tsml"  # OUTPUT/tsml/ESTIMATOR/Predictions/DATASET/testResampleK.csv
# fitted attributes recorded in each results file's header, where an estimator has them (the hybrids)
FITTED_SUMMARY = ("train_accuracy_", "train_r2_", "weights_")


@dataclass(frozen=True)
class Cell:
    dataset: str
    estimator: str
    resample: int

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.dataset, self.estimator, self.resample)


def load_split(dataset: str, resample: int, data_dir: str | None, task: str = "classification"):
    """Resample 0: the archive's train/test split. Resample k > 0: a reshuffle of
    train+test with the same sizes, seeded by k (the bake-off convention):
    stratified with aeon's ``stratified_resample_data`` for classification,
    plain for regression."""
    from tsevo.datasets import load_tser, load_uea

    loader = load_uea if task == "classification" else load_tser
    X_train, y_train, X_test, y_test = loader(dataset, data_dir=data_dir)
    if resample == 0:
        return X_train, y_train, X_test, y_test
    if task == "classification":
        from aeon.benchmarking.resampling import stratified_resample_data

        return stratified_resample_data(X_train, y_train, X_test, y_test, random_state=resample)
    return _plain_resample(X_train, y_train, X_test, y_test, resample)


def _plain_resample(X_train, y_train, X_test, y_test, seed: int):
    order = np.random.default_rng(seed).permutation(len(y_train) + len(y_test))
    cases = [*X_train, *X_test] if isinstance(X_train, list) or isinstance(X_test, list) else None
    X = np.concatenate([X_train, X_test]) if cases is None else cases
    y = np.concatenate([y_train, y_test])
    train, test = order[: len(y_train)], order[len(y_train):]

    def take(idx):
        return [X[i] for i in idx] if cases is not None else X[idx]

    return take(train), y[train], take(test), y[test]


def _scores(task: str, y_test, predictions) -> dict:
    from sklearn import metrics

    if task == "classification":
        return {"accuracy": metrics.accuracy_score(y_test, predictions),
                "balanced_accuracy": metrics.balanced_accuracy_score(y_test, predictions)}
    return {"rmse": float(np.sqrt(metrics.mean_squared_error(y_test, predictions))),
            "mae": metrics.mean_absolute_error(y_test, predictions),
            "r2": metrics.r2_score(y_test, predictions)}


def prepare_for(estimator, name: str, X_train, X_test):
    """Give each estimator the series it can take: missing values interpolated
    for estimators without missing-value support, and both splits zero-padded
    at the end to their common longest length for estimators without
    unequal-length support, or to the estimator's minimum length for series
    shorter than it. Returns the splits, the padded length (None when nothing
    was padded) and whether missing values were interpolated."""
    from tsevo.data.validation import fill_missing, pad_to_length, to_panel

    train, test = to_panel(X_train), to_panel(X_test)  # converted once, padded from the panels
    longest = max(train.max_length, test.max_length)
    unequal = isinstance(X_train, list) or isinstance(X_test, list)
    needs_equal = unequal and not _has_tag(estimator, "capability:unequal_length")
    missing = np.isnan(train.values).any() or np.isnan(test.values).any()
    fill = missing and not _has_tag(estimator, "capability:missing_values")
    length = max(longest, min_length(name))
    if length == longest and not needs_equal and not fill:
        return X_train, X_test, None, False
    if fill:
        train, test = fill_missing(train), fill_missing(test)
    padded = None if length == longest and not needs_equal else length
    return pad_to_length(train, length), pad_to_length(test, length), padded, bool(fill)


def _has_tag(estimator, tag: str) -> bool:
    """An aeon capability tag; tsevo's scikit-learn cores take every kind of series."""
    get_tag = getattr(estimator, "get_tag", None)
    if get_tag is None:
        return True
    return bool(get_tag(tag, raise_error=False, tag_value_default=False))


def run_cell(cell: Cell, data_dir: str | None, params: dict | None = None, task: str = "classification") -> dict:
    """Fit and score one estimator on one dataset and resample; errors become a row.

    ``params`` are set on tsevo's estimators (those named ``eadc...``) that take them."""
    row = {"dataset": cell.dataset, "estimator": cell.estimator, "resample": cell.resample}
    try:
        X_train, y_train, X_test, y_test = load_split(cell.dataset, cell.resample, data_dir, task)
        estimator = make_estimator(cell.estimator, seed=cell.resample, task=task)
        if params and is_ours(cell.estimator):
            estimator.set_params(**params_taken(estimator, params))
        X_train, X_test, padded_to, imputed = prepare_for(estimator, cell.estimator, X_train, X_test)
        row["padded_to"] = "" if padded_to is None else padded_to
        row["imputed"] = imputed
        with PeakMemory() as memory:
            start = time.perf_counter()
            estimator.fit(X_train, y_train)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            predictions, probabilities = _predict(estimator, X_test, task)
            predict_seconds = time.perf_counter() - start
        row.update(
            **_scores(task, y_test, predictions),
            fit_seconds=fit_seconds, predict_seconds=predict_seconds,
            peak_memory_mb=memory.mb, n_train=len(y_train), n_test=len(y_test), error="",
        )
        row[CASES] = _case_results(cell, task, estimator, y_test, predictions, probabilities, row)
    except Exception as err:  # one failing cell is recorded and the run goes on
        last = traceback.extract_tb(err.__traceback__)[-1]
        message = str(err).split(". ")[0].replace("\n", " ")[:200]
        row["error"] = f"{type(err).__name__}: {message} ({Path(last.filename).name}:{last.lineno})"
    return row


def _predict(estimator, X_test, task: str):
    """Predictions and, for classifiers, probabilities; labels are the most
    probable class, as tsml-eval derives them, so that a results file agrees
    with itself."""
    if task != "classification":
        return estimator.predict(X_test), None
    if not hasattr(estimator, "predict_proba"):  # e.g. a ridge classifier: one-hot probabilities
        predictions = estimator.predict(X_test)
        return predictions, (np.asarray(predictions)[:, None] == estimator.classes_[None, :]).astype(float)
    probabilities = estimator.predict_proba(X_test)
    return estimator.classes_[np.argmax(probabilities, axis=1)], probabilities


def _case_results(cell: Cell, task: str, estimator, y_test, predictions, probabilities, row: dict) -> CaseResults:
    params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
    common = dict(
        dataset=cell.dataset, estimator=cell.estimator, resample=cell.resample, task=task,
        fit_ms=round(row["fit_seconds"] * 1000), predict_ms=round(row["predict_seconds"] * 1000),
        memory_mb=row["peak_memory_mb"], parameters={k: repr(v) for k, v in params.items()},
        fitted=fitted_summary(estimator),
    )
    if task != "classification":
        return CaseResults(y_true=np.asarray(y_test, float), y_pred=np.asarray(predictions, float), **common)
    classes = list(estimator.classes_)
    index = {label: i for i, label in enumerate(classes)}
    return CaseResults(
        y_true=np.array([index.get(label, -1) for label in y_test]),
        y_pred=np.array([index[label] for label in predictions]),
        probabilities=np.asarray(probabilities, dtype=float), classes=classes, **common,
    )


def fitted_summary(estimator) -> dict[str, dict[str, float]]:
    """The choices of a fit that its predictions cannot show: a hybrid's
    out-of-fold score and weight of each component (unnormalised, as fitted),
    so that a results file says which component carried a cell."""
    summary = {}
    for name in FITTED_SUMMARY:
        value = getattr(estimator, name, None)
        if isinstance(value, dict):
            summary[name] = {str(key): float(score) for key, score in value.items()}
    return summary


def finished_cells(results_csv: Path) -> set[tuple[str, str, int]]:
    if not results_csv.exists():
        return set()
    with results_csv.open(newline="") as f:
        return {(r["dataset"], r["estimator"], int(r["resample"])) for r in csv.DictReader(f)}


def _append(results_csv: Path, row: dict) -> None:
    _upgrade_columns(results_csv)
    new = not results_csv.exists()
    with results_csv.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, restval="")
        if new:
            writer.writeheader()
        writer.writerow(row)


def _upgrade_columns(results_csv: Path) -> None:
    """Rewrite a results file from an older version with today's columns (new ones empty)."""
    if not results_csv.exists():
        return
    with results_csv.open(newline="") as f:
        header = next(csv.reader(f), [])
    if header and header != COLUMNS:
        import pandas as pd

        old = pd.read_csv(results_csv, keep_default_na=False, dtype=str)
        old.reindex(columns=COLUMNS, fill_value="").to_csv(results_csv, index=False)


def _parallel_results(cells: list[Cell], data_dir, n_jobs: int, scheduler, params, task) -> Iterable[dict]:
    from joblib import Parallel, delayed, parallel_config

    jobs = (delayed(run_cell)(cell, data_dir, params, task) for cell in cells)
    if scheduler is None:
        if n_jobs == 1:
            yield from (run_cell(cell, data_dir, params, task) for cell in cells)
            return
        yield from Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs)
        return
    from dask.distributed import Client

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    with parallel_config(backend="dask"):
        yield from Parallel(n_jobs=-1, return_as="generator_unordered")(jobs)
    if client is not scheduler:
        client.close()


def run_benchmark(
    datasets: list[str],
    estimators: list[str],
    output: str | os.PathLike,
    resamples: int = 1,
    data_dir: str | None = None,
    n_jobs: int = 1,
    scheduler=None,
    published: str | os.PathLike | None = None,
    progress: bool = True,
    command: str | None = None,
    params: dict | None = None,
    task: str = "classification",
    published_from_aeon: list[str] | None = None,
    pairs: list[tuple[str, str]] | None = None,
):
    """Run every (dataset, estimator, resample) cell not already in ``OUTPUT/results.csv``.

    Parameters
    ----------
    datasets, estimators : list of str
        UEA/UCR names and estimator names (see ``ESTIMATORS``).
    output : path-like
        Folder for ``results.csv``, ``results.md``, ``cd.png`` and, under
        ``tsml/``, one per-case results file per cell in tsml-eval's format
        (see :mod:`tsevo.benchmark._tsml`).
    resamples : int, default=1
        Resamples 0 .. resamples-1; 0 is the official split.
    data_dir : str or None
        Folder of ``NAME/NAME_TRAIN.ts`` files (default: ``$TSEVO_DATA``, aeon's shipped problems).
    n_jobs : int, default=1
        Parallel cells with joblib (each cell on one process).
    scheduler : str, dask Client or None
        Address of a Dask scheduler (or a Client): cells then run on its workers.
    published : path-like or None
        CSV of published scores (dataset, estimator, accuracy or rmse, source)
        to set beside ours in the table, marked as published.
    published_from_aeon : list of str or None
        Estimators whose published results (e.g. ``["HC2", "InceptionTime"]``)
        are fetched through aeon's ``get_estimator_results`` instead; when the
        network is unreachable, ``published`` is used, with a warning.
    progress : bool, default=True
    command : str or None
        The command line that produced the run, written at the top of ``results.md``.
    params : dict or None
        Parameters set on tsevo's estimators (``eadc``, ``eadc-ensemble``, ...),
        for example ``{"min_steps": 1000}``, each on those that take it
        (``n_jobs`` on the ensembles); a parameter that none of them takes
        is a ``ValueError`` before any work. Peers keep their defaults.
    task : {"classification", "regression"}, default="classification"
        Classification scores accuracy and balanced accuracy (UEA/UCR
        problems); regression scores RMSE, MAE and R² (TSER problems, read
        with ``load_tser``), with regressors of the same names.

    Returns
    -------
    pandas.DataFrame
        All rows of ``results.csv``.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from tsevo.benchmark._report import check_pairs, write_report

    check_estimator_names(estimators, task)  # before any work; a peer that cannot be built fails in its cells
    check_params(estimators, params, task)
    check_pairs(pairs, estimators)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    results_csv = out / "results.csv"
    done = finished_cells(results_csv)
    # resample by resample: a run stopped early leaves whole resamples behind it, not a few problems with all
    cells = [
        Cell(d, e, r) for r in range(resamples) for d in datasets for e in estimators
        if (d, e, r) not in done
    ]
    bar = tqdm(total=len(cells), disable=not progress, desc="cells", unit="cell")
    for row in _parallel_results(cells, data_dir, n_jobs, scheduler, params, task):
        cases = row.pop(CASES, None)
        if cases is not None:  # written before the row, so a row in the CSV always has its file
            write_results(out / TSML_FOLDER, cases)
        _append(results_csv, row)
        bar.update()
        score = row.get("accuracy", row.get("rmse"))
        bar.set_postfix_str(f"{row['dataset']}/{row['estimator']}: "
                            + (f"{score:.4g}" if not row.get("error") else "error"))
    bar.close()
    results = pd.read_csv(results_csv, keep_default_na=True)
    results["error"] = results["error"].fillna("")
    selected = results[results["dataset"].isin(datasets) & results["estimator"].isin(estimators)]
    shown = published_results(published, published_from_aeon, datasets, task)
    write_report(selected, out, published=shown, command=command, task=task, pairs=pairs)
    return results
