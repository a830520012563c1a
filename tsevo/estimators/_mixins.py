"""Small behaviours every tsevo estimator shares: its input tags and label prediction."""

from __future__ import annotations

import numpy as np

from tsevo.estimators._devices import is_gpu_device


class SeriesTagsMixin:
    """Tags of an estimator that reads 3-D series with missing values, and whose
    results repeat exactly on CPU but not on a GPU (convolutions and atomics
    there are not deterministic)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        tags.non_deterministic = is_gpu_device(self.device)
        return tags


class LabelsFromProbaMixin:
    """``predict`` as the most probable class of ``predict_proba``."""

    def predict(self, X) -> np.ndarray:
        """Predicted class labels, shape ``(n_cases,)``."""
        proba = self.predict_proba(X)  # checks fitting first
        return self.classes_[proba.argmax(axis=1)]


class MultiOutputTagsMixin:
    """Regressors that take ``y`` of shape ``(n_cases,)`` or ``(n_cases, n_targets)``."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
