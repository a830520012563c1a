"""``EADCHybridClassifier``: EA-DC networks beside the Rocket family, weighted by
their accuracy estimated inside the training data (CAWPE, as HIVE-COTE 2 does)."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from tsevo.data.validation import Panel, check_labels, fill_missing, pad_to_length, panel_to_series, to_panel
from tsevo.estimators._base import fit_together
from tsevo.estimators._classifier import EADCTransformerClassifier
from tsevo.estimators._ensemble import member_params, member_seeds, trains_together
from tsevo.estimators._mixins import LabelsFromProbaMixin, SeriesTagsMixin
from tsevo.estimators._params import FromTable
from tsevo.estimators._peers import min_length
from tsevo.estimators._workers import fit_members

N_FOLDS = 5


def _peer(name: str, seed: int, n_jobs: int | None = 1):
    """An aeon classifier by name (with ``n_jobs`` where it takes one); ``ValueError`` for an unknown name."""
    from aeon.classification.convolution_based import (
        MiniRocketClassifier,
        MultiRocketHydraClassifier,
        RocketClassifier,
    )
    from aeon.classification.interval_based import QUANTClassifier

    peers = {
        "multirockethydra": MultiRocketHydraClassifier,
        "quant": QUANTClassifier,
        "minirocket": MiniRocketClassifier,
        "rocket": RocketClassifier,
    }
    if name not in peers:
        raise ValueError(f"unknown peer {name!r} in peers; choose from {sorted(peers)}")
    threaded = "n_jobs" in inspect.signature(peers[name]).parameters
    return peers[name](random_state=seed, **({"n_jobs": n_jobs} if threaded else {}))


def _folds(encoded: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Up to five stratified folds; plain folds when a class has a single case."""
    smallest = np.bincount(encoded).min()
    if smallest >= 2:
        splitter = StratifiedKFold(min(N_FOLDS, smallest), shuffle=True, random_state=seed)
    else:
        splitter = KFold(min(N_FOLDS, len(encoded)), shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(encoded)), encoded))


def _take(X, idx):
    return [X[i] for i in idx] if isinstance(X, list) else X[idx]


class EADCHybridClassifier(FromTable, LabelsFromProbaMixin, SeriesTagsMixin, ClassifierMixin, BaseEstimator):
    """EA-DC-Transformer networks and aeon's strongest fast classifiers, weighted
    by their accuracy estimated inside the training data.

    The training set is cut into up to five stratified folds. Member ``i`` of
    the EA-DC ensemble is trained without fold ``i mod k``, which gives an
    out-of-fold prediction for every training case at no extra cost; each
    peer (MultiRocketHydra and QUANT by default) is cross-validated on the same
    folds, then refitted on all of the data. Each component's weight is its
    out-of-fold accuracy raised to ``weight_exponent`` (CAWPE, Large et al.
    2019, the rule of HIVE-COTE 2), and ``predict_proba`` is the weighted mean
    of the components' probabilities. Where EA-DC estimates weaker than a
    peer, it counts for less, and the reverse.

    Peers need equal lengths: their series are zero-padded at the end to the
    longest training series (and to their minimum length).

    {parameters}
    Attributes
    ----------
    estimators_ : dict
        ``"eadc"``: the list of fitted networks; each peer's name: the peer
        refitted on all the training data.
    train_accuracy_ : dict
        Out-of-fold accuracy of each component on the training data.
    weights_ : dict
        Weight of each component in ``predict_proba``.
    classes_ : ndarray of shape (n_classes,)
    n_channels_ : int
    n_timepoints_ : int

    Examples
    --------
    >>> from aeon.datasets import load_basic_motions
    >>> from tsevo import EADCHybridClassifier
    >>> X, y = load_basic_motions(split="train")
    >>> clf = EADCHybridClassifier(n_estimators=2, max_epochs=2, d_model=16, n_heads=2, peers="quant",
    ...                            random_state=0).fit(X, y)
    >>> sorted(clf.weights_)
    ['eadc', 'quant']
    """

    _task = "classification"
    _kind = "hybrid"
    _member = EADCTransformerClassifier

    def _peer_names(self) -> list[str]:
        return [name.strip() for name in self.peers.split(",") if name.strip()]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y) -> EADCHybridClassifier:
        """Estimate every component's accuracy on out-of-fold predictions, then fit it."""
        panel = to_panel(X)
        labels = check_labels(y, panel.n_cases)
        check_classification_targets(labels)
        classes, encoded = np.unique(labels, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"y has only one class ({classes[0]!r}); classification needs at least 2 classes")
        for name in self._peer_names():
            _peer(name, 0)  # unknown names fail before any training
        folds = _folds(encoded, member_seeds(self.random_state, 1)[0])
        estimators, oof = {}, {}
        series = panel_to_series(panel)  # one container the members can index by case
        estimators["eadc"], oof["eadc"] = self._fit_networks(series, labels, classes, folds)
        length = max([panel.max_length] + [min_length(n) for n in self._peer_names()])
        padded = pad_to_length(fill_missing(panel), length)
        for name in self._peer_names():
            estimators[name], oof[name] = self._fit_peer(name, padded, labels, classes, folds)
        accuracy = {name: float(np.mean(p.argmax(1) == encoded)) for name, p in oof.items()}
        self.estimators_ = estimators
        self.train_accuracy_ = accuracy
        self.weights_ = {name: acc**self.weight_exponent for name, acc in accuracy.items()}
        self.classes_ = classes
        self.n_channels_, self.n_timepoints_ = panel.n_channels, length
        self.n_features_in_ = panel.max_length if panel.source == "numpy2D" else panel.n_channels
        self.input_2d_ = panel.source == "numpy2D"
        return self

    def _fit_networks(self, X, labels, classes, folds):
        template = self._member(**member_params(self, self._member))
        oof = np.zeros((len(labels), len(classes)))
        counts = np.zeros(len(labels))
        seeds = member_seeds(self.random_state, self.n_estimators)
        members = [clone(template).set_params(random_state=seed) for seed in seeds]
        parts = [folds[i % len(folds)] for i in range(len(members))]
        datasets = [(_take(X, train), labels[train]) for train, _ in parts]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if trains_together(self, len(members)):
                fit_together(members, datasets, verbose=self.verbose)
            else:
                members, _ = fit_members(members, datasets, self.n_jobs, self.verbose, stop_on_interrupt=False)
        for member, (_, held_out) in zip(members, parts, strict=True):
            proba = member.predict_proba(_take(X, held_out))
            oof[held_out] += _align(proba, member.classes_, classes)
            counts[held_out] += 1
        # cases in folds no member held out (more folds than members) get the members' mean
        missing = counts == 0
        if missing.any():
            oof[missing] = np.mean([_align(m.predict_proba(_take(X, np.flatnonzero(missing))), m.classes_, classes)
                                    for m in members], axis=0)
            counts[missing] = 1
        return members, oof / counts[:, None]

    def _fit_peer(self, name, padded, labels, classes, folds):
        oof = np.zeros((len(labels), len(classes)))
        seed = member_seeds(self.random_state, 1)[0]
        for train, held_out in folds:
            peer = _peer(name, seed, self.n_jobs)
            peer.fit(padded[train], labels[train])
            oof[held_out] = _align(peer.predict_proba(padded[held_out]), peer.classes_, classes)
        peer = _peer(name, seed, self.n_jobs)
        return peer.fit(padded, labels), oof

    def predict_proba(self, X) -> np.ndarray:
        """Weighted mean of the components' probabilities, ``(n_cases, n_classes)``."""
        check_is_fitted(self)
        panel = to_panel(X)
        if panel.n_channels != self.n_channels_ or (self.input_2d_ and panel.max_length != self.n_features_in_):
            got = panel.max_length if self.input_2d_ else panel.n_channels
            raise ValueError(f"X has {got} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input")
        X = panel_to_series(panel)
        total = sum(self.weights_.values())
        weights = {k: (w / total if total > 0 else 1 / len(self.weights_)) for k, w in self.weights_.items()}
        members = self.estimators_["eadc"]
        proba = weights["eadc"] * np.mean(
            [_align(m.predict_proba(X), m.classes_, self.classes_) for m in members], axis=0
        )
        peers = [name for name in self.estimators_ if name != "eadc"]
        if peers:
            padded = self._padded_for_peers(panel)
            for name in peers:
                peer = self.estimators_[name]
                proba += weights[name] * _align(peer.predict_proba(padded), peer.classes_, self.classes_)
        return proba

    def _padded_for_peers(self, panel: Panel) -> np.ndarray:
        if panel.max_length > self.n_timepoints_:
            warnings.warn(
                f"X has series of up to {panel.max_length} timepoints; the hybrid's peers take the "
                f"{self.n_timepoints_} they were fitted on, so they see the first {self.n_timepoints_} "
                "(the EA-DC networks see whole series)", UserWarning, stacklevel=3,
            )
            panel = Panel(panel.values[:, :, : self.n_timepoints_],
                          np.minimum(panel.lengths, self.n_timepoints_), panel.source)
        return pad_to_length(fill_missing(panel), self.n_timepoints_)



def _align(proba: np.ndarray, own: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Columns of ``proba`` (in ``own`` class order) placed in ``classes`` order;
    a class a fold never saw gets probability 0."""
    out = np.zeros((len(proba), len(classes)))
    out[:, np.searchsorted(classes, own)] = proba
    return out
