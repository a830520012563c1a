"""Per-case results files in the format of tsml-eval (and of aeon's published results).

One file per (estimator, dataset, resample, split), at
``ROOT/ESTIMATOR/Predictions/DATASET/testResampleK.csv``:

- line 1: ``dataset,estimator,split,resample,time unit,description``
- line 2: free text; here a JSON object with the estimator's parameters,
  for classification the class labels in the order of the indices below,
  and, where the fit chose something the predictions cannot show (a
  hybrid's out-of-fold scores and weights), what it chose under ``fitted``
- line 3, classification: ``accuracy,fit time,predict time,benchmark time,
  memory,n_classes,train estimate method,train estimate time,fit and estimate
  time``; regression: the same with the mean squared error first and no
  ``n_classes``. Times are in the unit of line 1 and -1 means not measured.
- then one line per test case: classification ``true,predicted,,p_0,...,p_k``
  with class indices; regression ``true,predicted``.

tsml-eval's ``load_classifier_results`` / ``load_regressor_results`` and aeon's
evaluation tools read these files; :func:`read_results` here reads them
without either installed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TIME_UNIT = "MILLISECONDS"


def results_file(root: str | os.PathLike, estimator: str, dataset: str, resample: int, split: str = "test") -> Path:
    """Where tsml-eval keeps the results of one cell."""
    return Path(root) / estimator / "Predictions" / dataset / f"{split}Resample{resample}.csv"


@dataclass
class CaseResults:
    """What one results file holds.

    Attributes
    ----------
    dataset, estimator, split : str
    resample : int
    task : {"classification", "regression"}
    y_true, y_pred : ndarray
        Class indices (classification) or target values (regression).
    probabilities : ndarray of shape (n_cases, n_classes) or None
    classes : list
        Class labels in the order of the indices (empty for regression).
    fit_ms, predict_ms : int
        Milliseconds, -1 when not measured.
    memory_mb : float
    parameters : dict
    fitted : dict
        What the fit chose, by attribute name (e.g. a hybrid's ``weights_``
        and ``train_accuracy_``); empty when there is nothing to record.
    """

    dataset: str
    estimator: str
    resample: int
    task: str
    y_true: np.ndarray
    y_pred: np.ndarray
    probabilities: np.ndarray | None = None
    classes: list = field(default_factory=list)
    fit_ms: int = -1
    predict_ms: int = -1
    memory_mb: float = -1
    parameters: dict = field(default_factory=dict)
    split: str = "test"
    fitted: dict = field(default_factory=dict)

    @property
    def score(self) -> float:
        """Accuracy for classification, mean squared error for regression."""
        if self.task == "classification":
            return float(np.mean(self.y_true == self.y_pred))
        return float(np.mean((np.asarray(self.y_true, float) - np.asarray(self.y_pred, float)) ** 2))


def write_results(root: str | os.PathLike, results: CaseResults) -> Path:
    """Write ``results`` under ``root`` in tsml-eval's layout; return the file.

    The file is written to a temporary name and renamed, so an interrupted run
    never leaves half a file where a reader would take it as complete.
    """
    path = results_file(root, results.estimator, results.dataset, results.resample, results.split)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"parameters": results.parameters}
    classification = results.task == "classification"
    if classification:
        header["classes"] = [str(c) for c in results.classes]
    if results.fitted:
        header["fitted"] = results.fitted
    timings = f"{results.fit_ms},{results.predict_ms},-1,{results.memory_mb:.0f}"
    if classification:
        third = f"{results.score},{timings},{len(results.classes)},,-1,-1"
        rows = [
            f"{t},{p},," + ",".join(f"{v:.6g}" for v in probs)
            for t, p, probs in zip(results.y_true, results.y_pred, results.probabilities, strict=True)
        ]
    else:
        third = f"{results.score},{timings},,-1,-1"
        rows = [f"{t!r},{p!r}" for t, p in zip(map(float, results.y_true), map(float, results.y_pred), strict=True)]
    lines = [
        f"{results.dataset},{results.estimator},{results.split},{results.resample},{TIME_UNIT},"
        f"{results.task} results written by tsevo",
        json.dumps(header, default=str),
        third,
        *rows,
    ]
    partial = path.with_name(path.name + ".partial")
    partial.write_text("\n".join(lines) + "\n")
    partial.replace(path)
    return path


def read_results(path: str | os.PathLike) -> CaseResults:
    """Read a results file in tsml-eval's format (written by tsevo or by tsml-eval)."""
    lines = Path(path).read_text().splitlines()
    if len(lines) < 3:
        raise ValueError(f"{path} is not a tsml results file: it has fewer than three lines")
    dataset, estimator, split, resample, *_ = lines[0].split(",")
    try:
        header = json.loads(lines[1])
    except json.JSONDecodeError:  # tsml-eval writes free text here
        header = {}
    third = lines[2].split(",")
    cases = [line.split(",") for line in lines[3:] if line]
    classification = bool(cases) and len(cases[0]) > 2 and cases[0][2] == ""
    if classification:
        probabilities = np.array([[float(v) for v in case[3:]] for case in cases])
        y_true = np.array([int(float(case[0])) for case in cases])
        y_pred = np.array([int(float(case[1])) for case in cases])
    else:
        probabilities = None
        y_true = np.array([float(case[0]) for case in cases])
        y_pred = np.array([float(case[1]) for case in cases])
    return CaseResults(
        dataset=dataset, estimator=estimator, split=split, resample=int(resample),
        task="classification" if classification else "regression",
        y_true=y_true, y_pred=y_pred, probabilities=probabilities,
        classes=header.get("classes", []), parameters=header.get("parameters", {}),
        fitted=header.get("fitted", {}),
        fit_ms=int(float(third[1])), predict_ms=int(float(third[2])), memory_mb=float(third[4]),
    )


def fitted_table(root: str | os.PathLike):
    """One row per component of every results file under ``root`` that records a fit's choices.

    Parameters
    ----------
    root : path-like
        A run's ``tsml`` folder (``ROOT/ESTIMATOR/Predictions/DATASET/testResampleK.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``dataset``, ``estimator``, ``resample``, ``component``, then one per recorded
        attribute (e.g. ``train_accuracy_`` and ``weights_``), and ``share``: the component's
        weight as a fraction of the cell's total, as ``predict_proba`` uses it.
    """
    import pandas as pd

    rows = []
    for path in sorted(Path(root).glob("*/Predictions/*/*Resample*.csv")):
        cases = read_results(path)
        components = sorted({name for values in cases.fitted.values() for name in values})
        for component in components:
            row = {"dataset": cases.dataset, "estimator": cases.estimator, "resample": cases.resample,
                   "component": component}
            row.update({attribute: values.get(component) for attribute, values in cases.fitted.items()})
            rows.append(row)
    cell = ["dataset", "estimator", "resample"]
    table = pd.DataFrame(rows) if rows else pd.DataFrame(columns=[*cell, "component"])
    if "weights_" in table:  # all weights zero: the hybrid weighs its components equally
        by_cell = table.groupby(cell)
        total = by_cell["weights_"].transform("sum")
        table["share"] = (table["weights_"] / total).where(total > 0, 1 / by_cell["component"].transform("count"))
    return table
