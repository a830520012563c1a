"""``EADCTransformerRegressor``: the same network and training, for a numeric target."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import RegressorMixin, _fit_context
from sklearn.model_selection import train_test_split

from tsevo.data.validation import check_targets
from tsevo.estimators._base import BaseEADC
from tsevo.estimators._mixins import MultiOutputTagsMixin


def clip_to_range(values: np.ndarray, low, high, margin: float) -> np.ndarray:
    """``values`` clipped to ``[low, high]`` widened on each side by ``margin`` times its width."""
    widen = margin * (np.asarray(high) - low)
    return np.clip(values, low - widen, high + widen)


class EADCTransformerRegressor(MultiOutputTagsMixin, RegressorMixin, BaseEADC):
    """EA-DC-Transformer time-series extrinsic regressor (Wang et al., TPAMI 2023).

    The network, inputs, training loop, persistence, ``transform`` and
    ``attention_maps`` of :class:`EADCTransformerClassifier`, with a linear
    output per target. Targets are standardised with the training mean and
    standard deviation inside ``fit`` and restored at predict; the loss is
    the mean squared error (or Huber) on the standardised targets. By default
    it trains for at least 4,000 optimisation steps on 90% of the training
    cases and keeps the weights of the epoch with the lowest loss on the
    other 10%, so that each problem trains as long as it gains from.
    ``score`` is R², as in scikit-learn.

    {parameters}
    Attributes
    ----------
    n_targets_ : int
        Targets per case (1 for a 1-D ``y``).
    target_mean_, target_scale_ : ndarray of shape (n_targets,)
        Training statistics used to standardise the targets.
    target_min_, target_max_ : ndarray of shape (n_targets,)
        Range of the training targets, which ``clip_predictions`` widens.
    n_features_in_ : int
        Columns of X for 2-D input (timepoints), else the number of channels.
    n_channels_ : int
        Channels of the training series.
    n_timepoints_ : int
        Longest training series.
    patch_size_ : int
        Steps per token chosen for the stem.
    batch_size_ : int
        Cases per optimisation step in training (``batch_size``, or what
        "auto" chose); prediction takes four times as many at once.
    module_ : EADCTransformer
        The trained network, in eval mode.
    history_ : list of dict
        One record per epoch: ``epoch``, ``train_loss``, ``lr``, ``seconds``
        and, with early stopping (the default), ``valid_loss`` and
        ``valid_rmse`` (in the targets' units).
    pretrain_history_ : list of dict
        One record per epoch of pre-training (``pretrain_epochs``):
        ``epoch`` and ``pretrain_loss``; empty without it.
    n_iter_ : int
        Epochs run.
    best_epoch_ : int
        Epoch whose weights were kept.
    interrupted_ : bool
        Whether training was stopped by Ctrl-C.
    device_ : str
        Device the network lives on.

    Examples
    --------
    >>> from aeon.datasets import load_covid_3month
    >>> from tsevo import EADCTransformerRegressor
    >>> X, y = load_covid_3month(split="train")
    >>> reg = EADCTransformerRegressor(max_epochs=2, d_model=16, n_heads=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _task = "regression"

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y) -> EADCTransformerRegressor:
        """Train on series ``X`` with numeric targets ``y``.

        Parameters
        ----------
        X : array-like, list of arrays or DataFrame
            Series in any format :class:`EADCTransformerClassifier` accepts.
        y : array-like of shape (n_cases,) or (n_cases, n_targets)
            Finite numeric targets.

        Returns
        -------
        self : EADCTransformerRegressor
        """
        return self._fit(X, y)

    def _prepare_targets(self, y, n_cases: int, continuing: bool) -> tuple[np.ndarray, dict]:
        targets = check_targets(y, n_cases)
        columns = targets.reshape(n_cases, -1)
        if continuing:
            if columns.shape[1] != self.n_targets_:
                raise ValueError(
                    f"warm_start=True continues the fitted network, which has {self.n_targets_} "
                    f"target(s); got {columns.shape[1]}"
                )
            mean, scale = self.target_mean_, self.target_scale_
        else:
            mean, scale = columns.mean(axis=0), columns.std(axis=0)
        low, high = columns.min(axis=0), columns.max(axis=0)
        if continuing and hasattr(self, "target_min_"):  # a continued fit adds its new targets to the range
            low, high = np.minimum(self.target_min_, low), np.maximum(self.target_max_, high)
        state = {
            "n_targets_": columns.shape[1], "target_mean_": mean, "target_scale_": scale,
            "target_min_": low, "target_max_": high,
            "target_ndim_": targets.ndim, "n_network_outputs": columns.shape[1],
        }
        return ((columns - mean) / scale).astype(np.float32), state

    def _validation_split(self, targets: np.ndarray, n_valid: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        return train_test_split(np.arange(len(targets)), test_size=n_valid, random_state=seed)

    def _loss_options(self, train_targets: np.ndarray, target_state: dict) -> dict:
        scale = torch.as_tensor(target_state["target_scale_"], dtype=torch.float32)
        return {"task": "regression", "loss": self.loss, "target_scale": scale}

    def predict(self, X) -> np.ndarray:
        """Predicted targets, ``(n_cases,)`` or ``(n_cases, n_targets)`` like the ``y`` of fit."""
        outputs = self._outputs(X).numpy() * self.target_scale_ + self.target_mean_
        if self.clip_predictions is not None:
            if not hasattr(self, "target_min_"):
                raise ValueError(
                    "clip_predictions needs the training targets' range, which this model, saved by an older "
                    "tsevo, does not hold: refit it, or set clip_predictions=None"
                )
            outputs = clip_to_range(outputs, self.target_min_, self.target_max_, self.clip_predictions)
        return outputs[:, 0] if self.target_ndim_ == 1 else outputs
