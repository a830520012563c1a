"""``EADCTransformerClassifier``: the scikit-learn classifier around the network."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from tsevo.data.validation import check_labels
from tsevo.estimators._base import BaseEADC
from tsevo.estimators._mixins import LabelsFromProbaMixin


class EADCTransformerClassifier(LabelsFromProbaMixin, ClassifierMixin, BaseEADC):
    """EA-DC-Transformer time-series classifier (Wang et al., TPAMI 2023).

    Dilated causal convolutions augmented with evolving self-attention: each
    attention layer mixes the previous layer's attention map into its own and
    refines the mix with a 3x3 convolution over the maps.

    {parameters}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
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
        and, with early stopping, ``valid_loss`` and ``valid_accuracy``.
        ``pandas.DataFrame(clf.history_)`` gives a table.
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

    Notes
    -----
    Wang et al., "Convolution-enhanced Evolving Attention Networks", IEEE
    TPAMI 2023 (arXiv:2212.08330). Inputs are standardised per channel with
    training statistics; NaN values are treated as missing and set to the
    training mean, and trailing steps missing on every channel as padding.

    Examples
    --------
    >>> from aeon.datasets import load_basic_motions
    >>> from tsevo import EADCTransformerClassifier
    >>> X, y = load_basic_motions(split="train")
    >>> clf = EADCTransformerClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _task = "classification"

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y) -> EADCTransformerClassifier:
        """Train on series ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like, list of arrays or DataFrame
            ``(n_cases, n_channels, n_timepoints)``, ``(n_cases, n_timepoints)``,
            a list of ``(n_channels, n_timepoints_i)`` arrays, sktime's nested
            DataFrame or a (instance, timepoint) multi-index DataFrame.
        y : array-like of shape (n_cases,)
            Class labels of any type.

        Returns
        -------
        self : EADCTransformerClassifier
        """
        return self._fit(X, y)

    def _prepare_targets(self, y, n_cases: int, continuing: bool) -> tuple[np.ndarray, dict]:
        labels = check_labels(y, n_cases)
        check_classification_targets(labels)
        classes = np.unique(labels)
        if len(classes) < 2:
            raise ValueError(
                f"y has only one class ({classes[0]!r}); classification needs at least 2 classes"
            )
        if continuing and not np.array_equal(classes, self.classes_):
            raise ValueError(
                "warm_start=True continues the fitted network, which needs the same classes "
                f"({list(self.classes_)}); got classes {list(classes)}"
            )
        encoded = np.searchsorted(classes, labels)
        return encoded, {"classes_": classes, "n_network_outputs": len(classes)}

    def _validation_split(self, encoded: np.ndarray, n_valid: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Stratified hold-out indices; plain random when a class has a single case."""
        n_classes = encoded.max() + 1
        can_stratify = n_valid >= n_classes and np.bincount(encoded).min() >= 2
        return train_test_split(
            np.arange(len(encoded)), test_size=n_valid,
            stratify=encoded if can_stratify else None, random_state=seed,
        )

    def _loss_options(self, train_encoded: np.ndarray, target_state: dict) -> dict:
        weights = self._class_weights(train_encoded, target_state["classes_"])
        return {"class_weights": weights, "label_smoothing": self.label_smoothing}

    def _class_weights(self, encoded: np.ndarray, classes: np.ndarray) -> torch.Tensor | None:
        if self.class_weight is None:
            return None
        if self.class_weight == "balanced":
            present = np.unique(encoded)  # a class absent from the training part keeps weight 1
            weights = np.ones(len(classes))
            weights[present] = compute_class_weight("balanced", classes=present, y=encoded)
        else:
            weights = np.array([self.class_weight.get(c, 1.0) for c in classes], dtype=float)
        return torch.as_tensor(weights, dtype=torch.float32)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape ``(n_cases, n_classes)``, columns in ``classes_`` order."""
        return self._outputs(X).softmax(dim=1).numpy()
