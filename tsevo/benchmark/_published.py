"""Published results to set beside ours: fetched through aeon, or read from a CSV."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd

SOURCE = "reference results of timeseriesclassification.com, fetched with aeon (archive's split)"


def fetch_published(estimators: list[str], datasets: list[str], task: str = "classification") -> pd.DataFrame:
    """Published test scores on the archive's split through aeon's
    ``get_estimator_results``, as rows ``dataset, estimator, accuracy|rmse, source``.

    Regression results are published as MSE; they come back as RMSE, the
    harness's measure. Raises whatever aeon raises when the site is unreachable.
    """
    from aeon.benchmarking.results_loaders import get_estimator_results

    classification = task == "classification"
    results = get_estimator_results(
        estimators, datasets, num_resamples=1, task=task, measure="accuracy" if classification else "mse",
    )
    metric = "accuracy" if classification else "rmse"
    rows = [
        {"dataset": dataset, "estimator": estimator,
         metric: float(score) if classification else float(np.sqrt(score)), "source": SOURCE}
        for estimator, scores in results.items() for dataset, score in scores.items()
    ]
    return pd.DataFrame(rows, columns=["dataset", "estimator", metric, "source"])


def published_results(
    csv: str | os.PathLike | None, from_aeon: list[str] | None, datasets: list[str], task: str
) -> pd.DataFrame | str | os.PathLike | None:
    """What the report sets beside the measured columns: the results of
    ``from_aeon`` fetched through aeon when the network allows, else (with a
    warning) the committed ``csv``."""
    if not from_aeon:
        return csv
    try:
        return fetch_published(from_aeon, datasets, task)
    except Exception as err:  # no network, a moved file, an unknown name: the CSV still serves
        fallback = f"using {csv} instead" if csv is not None else "no published column is shown"
        warnings.warn(f"could not fetch published results of {from_aeon} through aeon ({err}); {fallback}",
                      RuntimeWarning, stacklevel=2)
        return csv
