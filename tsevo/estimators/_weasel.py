"""``WeaselClassifier``: aeon's two WEASEL classifiers as one peer, for series of any
number of channels."""

from __future__ import annotations

import numpy as np
from aeon.classification import BaseClassifier


class WeaselClassifier(BaseClassifier):
    """A bag of symbolic words under a ridge: aeon's WEASEL 2.0 (Schaefer and Leser 2023) on
    series of one channel, MUSE (WEASEL's multivariate form) on several.

    The hybrid's dictionary-based peer, the representation that HIVE-COTE 2's TDE brings and
    the Rocket family, QUANT and RDST lack. Both of aeon's classifiers end in a ridge, so
    ``predict_proba`` gives the ridge's vote, 0 or 1, as aeon's other ridge-based classifiers
    do (MUSE's own refuses unless it swaps its ridge for a logistic regression); the hybrid
    calibrates it from the ridge's scores (``ridge_scores``).

    Parameters
    ----------
    random_state : int or None, default=None
    n_jobs : int, default=1

    Attributes
    ----------
    estimator_ : aeon classifier
        The fitted WEASEL_V2 or MUSE.
    """

    _tags = {"capability:multivariate": True, "capability:multithreading": True, "algorithm_type": "dictionary"}

    def __init__(self, random_state: int | None = None, n_jobs: int = 1):
        self.random_state = random_state
        self.n_jobs = n_jobs
        super().__init__()

    def _fit(self, X: np.ndarray, y: np.ndarray) -> WeaselClassifier:
        from aeon.classification.dictionary_based import MUSE, WEASEL_V2

        kind = WEASEL_V2 if X.shape[1] == 1 else MUSE
        self.estimator_ = kind(random_state=self.random_state, n_jobs=self.n_jobs).fit(X, y)
        return self

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.estimator_.predict(X)
