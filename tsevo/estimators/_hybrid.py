"""``EADCHybridClassifier`` and ``EADCHybridRegressor``: EA-DC networks beside the
Rocket family, QUANT and (for classification) RDST, weighted by how well each
predicts inside the training data (CAWPE, as HIVE-COTE 2 does)."""

from __future__ import annotations

import contextlib
import inspect
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from tsevo.data.validation import (
    Panel,
    check_labels,
    check_targets,
    fill_missing,
    pad_to_length,
    panel_to_series,
    to_panel,
)
from tsevo.estimators._base import fit_together
from tsevo.estimators._calibration import TemperedPeer, fit_temperature, softmax
from tsevo.estimators._classifier import EADCTransformerClassifier
from tsevo.estimators._ensemble import make_members, member_seeds, trains_together
from tsevo.estimators._mixins import LabelsFromProbaMixin, MultiOutputTagsMixin, SeriesTagsMixin
from tsevo.estimators._params import FromTable
from tsevo.estimators._peers import has_ridge_scores, min_length, ridge_scores
from tsevo.estimators._regressor import EADCTransformerRegressor
from tsevo.estimators._workers import fit_members

N_FOLDS = 5


def _peer_classes(task: str) -> dict[str, type]:
    """aeon's estimators that the hybrid can set beside the networks, by name."""
    if task == "classification":
        from aeon.classification.convolution_based import (
            MiniRocketClassifier,
            MultiRocketHydraClassifier,
            RocketClassifier,
        )
        from aeon.classification.interval_based import QUANTClassifier
        from aeon.classification.shapelet_based import RDSTClassifier

        from tsevo.estimators._weasel import WeaselClassifier

        return {"multirockethydra": MultiRocketHydraClassifier, "quant": QUANTClassifier,
                "minirocket": MiniRocketClassifier, "rocket": RocketClassifier, "rdst": RDSTClassifier,
                "weasel": WeaselClassifier}
    from aeon.regression.convolution_based import (
        MiniRocketRegressor,
        MultiRocketHydraRegressor,
        MultiRocketRegressor,
        RocketRegressor,
    )
    from aeon.regression.interval_based import QUANTRegressor
    from aeon.regression.shapelet_based import RDSTRegressor

    return {"multirockethydra": MultiRocketHydraRegressor, "quant": QUANTRegressor,
            "minirocket": MiniRocketRegressor, "multirocket": MultiRocketRegressor, "rocket": RocketRegressor,
            "rdst": RDSTRegressor}


def _peer(name: str, seed: int, n_jobs: int | None = 1, task: str = "classification"):
    """An aeon estimator by name (with ``n_jobs`` where it takes one); ``ValueError`` for an unknown name."""
    peers = _peer_classes(task)
    if name not in peers:
        raise ValueError(f"unknown peer {name!r} in peers for {task}; choose from {sorted(peers)}")
    threaded = "n_jobs" in inspect.signature(peers[name]).parameters
    return peers[name](random_state=seed, **({"n_jobs": n_jobs} if threaded else {}))


class _PerTarget:
    """One aeon regressor per target column: aeon's regressors predict a single target."""

    def __init__(self, name: str, seed: int, n_jobs: int | None):
        self.name, self.seed, self.n_jobs = name, seed, n_jobs

    def fit(self, X: np.ndarray, targets: np.ndarray) -> _PerTarget:
        self.estimators_ = [_peer(self.name, self.seed, self.n_jobs, "regression").fit(X, column)
                            for column in targets.T]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:  # (n_cases, n_targets)
        return np.column_stack([estimator.predict(X) for estimator in self.estimators_])


@contextlib.contextmanager
def _quiet_peer_notes():
    """Silence aeon's RDST note that it set distances without a value to 0: constant stretches (flat
    series, the peers' zero padding) give its normalised shapelet distances none, on every call."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Some invalid values .* were converted to zeros",
                                category=UserWarning)
        yield


def _take(X, idx):
    return [X[i] for i in idx] if isinstance(X, list) else X[idx]


class HybridBase(FromTable, SeriesTagsMixin, BaseEstimator):
    """The networks-and-peers scheme shared by both tasks.

    Member ``i`` of the EA-DC ensemble trains without fold ``i mod k``, each
    peer is cross-validated on the same folds and refitted on all the data, and
    every component's out-of-fold score raised to ``weight_exponent`` is its
    weight. Subclasses say what the targets, folds, outputs and scores are.
    """

    _kind = "hybrid"
    _member: type
    _score_name: str  # what _score_out_of_fold measures, for messages

    def _peer_names(self) -> list[str]:
        return [name.strip() for name in self.peers.split(",") if name.strip()]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Score every component on out-of-fold predictions, then fit it on all of ``X``."""
        before = dict(self.__dict__)
        try:
            return self._fit(X, y)
        except BaseException:  # a failed refit leaves the previous fit whole, not half-replaced
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit(self, X, y):
        panel = to_panel(X)
        targets = self._check_targets(y, panel.n_cases)
        for name in self._peer_names():
            _peer(name, 0, task=self._task)  # unknown names fail before any training
        seed = member_seeds(self.random_state, 1)[0]  # the folds' and the peers' seed
        folds = self._folds(targets, seed)
        estimators, oof = {}, {}
        series = panel_to_series(panel)  # one container the members can index by case
        estimators["eadc"], oof["eadc"] = self._fit_networks(series, y, folds)
        length = max([panel.max_length] + [min_length(n) for n in self._peer_names()])
        padded = pad_to_length(fill_missing(panel), length)
        for name in self._peer_names():
            estimators[name], oof[name] = self._fit_peer(name, seed, padded, targets, folds)
        scores = {name: self._score_out_of_fold(predicted, targets) for name, predicted in oof.items()}
        self.estimators_ = estimators
        self.train_predictions_ = oof
        self.weights_ = {name: max(score, 0.0) ** self.weight_exponent for name, score in scores.items()}
        if not any(self.weights_.values()):
            warnings.warn(
                f"no component of the hybrid scored above 0 out of fold inside the training data ({self._score_name}: "
                + ", ".join(f"{name} {score:.3g}" for name, score in scores.items())
                + "); they are weighted equally, and none may beat a constant prediction", UserWarning, stacklevel=3,
            )
        self._set_train_scores(scores)
        self.n_channels_, self.n_timepoints_ = panel.n_channels, length
        self.n_features_in_ = panel.max_length if panel.source == "numpy2D" else panel.n_channels
        self.input_2d_ = panel.source == "numpy2D"
        return self

    def _fit_networks(self, X, y, folds):
        members = make_members(self, self._member)
        parts = [folds[i % len(folds)] for i in range(len(members))]
        y = np.asarray(y)
        datasets = [(_take(X, train), y[train]) for train, _ in parts]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if trains_together(self, len(members)):
                fit_together(members, datasets, verbose=self.verbose)
            else:
                members, _ = fit_members(members, datasets, self.n_jobs, self.verbose, stop_on_interrupt=False)
        total, counts = None, np.zeros(len(y))
        for member, (_, held_out) in zip(members, parts, strict=True):
            predicted = self._network_output(member, _take(X, held_out))
            total = np.zeros((len(y), predicted.shape[1])) if total is None else total
            total[held_out] += predicted
            counts[held_out] += 1
        # cases in folds no member held out (more folds than members) get the members' mean
        missing = counts == 0
        if missing.any():
            rest = _take(X, np.flatnonzero(missing))
            total[missing] = np.mean([self._network_output(m, rest) for m in members], axis=0)
            counts[missing] = 1
        return members, total / counts[:, None]

    def _fit_peer(self, name, seed, padded, targets, folds):
        oof = self._peer_out_of_fold(name, seed, padded, targets, folds)
        with _quiet_peer_notes():
            return self._new_peer(name, seed).fit(padded, targets), oof

    def _peer_out_of_fold(self, name, seed, padded, targets, folds) -> np.ndarray:
        """The peer's outputs for each fold from a peer fitted on the other folds."""
        oof = None
        with _quiet_peer_notes():
            for train, held_out in folds:
                peer = self._new_peer(name, seed).fit(padded[train], targets[train])
                predicted = self._peer_output(peer, padded[held_out])
                oof = np.zeros((len(targets), predicted.shape[1])) if oof is None else oof
                oof[held_out] = predicted
        return oof

    def _new_peer(self, name: str, seed: int):
        return _peer(name, seed, self.n_jobs, self._task)

    def _combined(self, X) -> np.ndarray:
        """Weighted mean of the components' outputs for ``X``."""
        check_is_fitted(self)
        panel = to_panel(X)
        if panel.n_channels != self.n_channels_ or (self.input_2d_ and panel.max_length != self.n_features_in_):
            got = panel.max_length if self.input_2d_ else panel.n_channels
            raise ValueError(f"X has {got} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input")
        series = panel_to_series(panel)
        total = sum(self.weights_.values())
        weights = {k: (w / total if total > 0 else 1 / len(self.weights_)) for k, w in self.weights_.items()}
        combined = weights["eadc"] * np.mean([self._network_output(m, series) for m in self.estimators_["eadc"]],
                                             axis=0)
        peers = [name for name in self.estimators_ if name != "eadc"]
        if peers:
            padded = self._padded_for_peers(panel)
            with _quiet_peer_notes():
                for name in peers:
                    combined += weights[name] * self._peer_output(self.estimators_[name], padded)
        return combined

    def _padded_for_peers(self, panel: Panel) -> np.ndarray:
        if panel.max_length > self.n_timepoints_:
            warnings.warn(
                f"X has series of up to {panel.max_length} timepoints; the hybrid's peers take the "
                f"{self.n_timepoints_} they were fitted on, so they see the first {self.n_timepoints_} "
                "(the EA-DC networks see whole series)", UserWarning, stacklevel=4,
            )
            panel = Panel(panel.values[:, :, : self.n_timepoints_],
                          np.minimum(panel.lengths, self.n_timepoints_), panel.source)
        return pad_to_length(fill_missing(panel), self.n_timepoints_)

    # what each task defines
    def _check_targets(self, y, n_cases: int) -> np.ndarray:
        raise NotImplementedError

    def _folds(self, targets: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
        raise NotImplementedError

    def _network_output(self, member, X) -> np.ndarray:
        raise NotImplementedError

    def _peer_output(self, peer, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _score_out_of_fold(self, predicted: np.ndarray, targets: np.ndarray) -> float:
        raise NotImplementedError

    def _set_train_scores(self, scores: dict) -> None:
        raise NotImplementedError


class EADCHybridClassifier(LabelsFromProbaMixin, ClassifierMixin, HybridBase):
    """EA-DC-Transformer networks and aeon's strongest fast classifiers, weighted
    by their accuracy estimated inside the training data.

    The training set is cut into up to five stratified folds. Member ``i`` of
    the EA-DC ensemble is trained without fold ``i mod k``, which gives an
    out-of-fold prediction for every training case at no extra cost; each
    peer (MultiRocketHydra, QUANT and RDST by default) is cross-validated on
    the same folds, then refitted on all of the data. Each component's weight
    is its out-of-fold accuracy raised to ``weight_exponent`` (CAWPE, Large et
    al. 2019, the rule of HIVE-COTE 2), and ``predict_proba`` is the weighted mean
    of the components' probabilities. Where EA-DC estimates weaker than a
    peer, it counts for less, and the reverse. The ridge-based peers
    (MultiRocketHydra, RDST) vote 0 or 1 in aeon; with ``calibrate_peers``
    their probabilities come from their ridge's scores, tempered to fit their
    out-of-fold scores, so that a peer unsure of a case counts for less there.

    Peers need equal lengths: their series are zero-padded at the end to the
    longest training series (and to their minimum length).

    {parameters}
    Attributes
    ----------
    estimators_ : dict
        ``"eadc"``: the list of fitted networks; each peer's name: the peer
        refitted on all the training data (a ridge-based one wrapped in its
        calibration with ``calibrate_peers``).
    train_accuracy_ : dict
        Out-of-fold accuracy of each component on the training data.
    train_predictions_ : dict
        Out-of-fold class probabilities of each component, ``(n_cases, n_classes)``.
    weights_ : dict
        Weight of each component in ``predict_proba``.
    temperatures_ : dict
        The temperature of each ridge-based peer's probabilities (empty
        with ``calibrate_peers=False``).
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
    _member = EADCTransformerClassifier
    _score_name = "accuracy"

    def _check_targets(self, y, n_cases: int) -> np.ndarray:
        labels = check_labels(y, n_cases)
        check_classification_targets(labels)
        classes = np.unique(labels)
        if len(classes) < 2:
            raise ValueError(f"y has only one class ({classes[0]!r}); classification needs at least 2 classes")
        self.classes_ = classes
        return labels

    def _folds(self, labels, seed):
        """Up to five stratified folds; plain folds when a class has a single case."""
        encoded = np.searchsorted(self.classes_, labels)
        smallest = np.bincount(encoded).min()
        if smallest >= 2:
            splitter = StratifiedKFold(min(N_FOLDS, smallest), shuffle=True, random_state=seed)
        else:
            splitter = KFold(min(N_FOLDS, len(encoded)), shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(encoded)), encoded))

    def _network_output(self, member, X):
        return _align(member.predict_proba(X), member.classes_, self.classes_)

    def _fit_peer(self, name, seed, padded, labels, folds):
        peer, oof = super()._fit_peer(name, seed, padded, labels, folds)
        if self.calibrate_peers and has_ridge_scores(peer):  # oof holds the ridge's scores
            temperature = fit_temperature(oof, np.searchsorted(self.classes_, labels))
            self.temperatures_[name] = temperature
            return TemperedPeer(peer, temperature), softmax(oof, temperature)
        return peer, oof

    def _fit(self, X, y):
        self.temperatures_ = {}
        return super()._fit(X, y)

    def _peer_output(self, peer, X):
        if self.calibrate_peers and has_ridge_scores(peer):  # scores to calibrate; -inf for a class the fold lacked
            return _align(ridge_scores(peer, X), peer.classes_, self.classes_, fill=-np.inf)
        return _align(peer.predict_proba(X), peer.classes_, self.classes_)

    def _score_out_of_fold(self, proba, labels):
        return float(np.mean(self.classes_[proba.argmax(1)] == labels))

    def _set_train_scores(self, scores):
        self.train_accuracy_ = scores

    def predict_proba(self, X) -> np.ndarray:
        """Weighted mean of the components' probabilities, ``(n_cases, n_classes)``."""
        return self._combined(X)


class EADCHybridRegressor(MultiOutputTagsMixin, RegressorMixin, HybridBase):
    """EA-DC-Transformer regressors and aeon's strongest fast regressors, weighted
    by their R² estimated inside the training data.

    The scheme of :class:`EADCHybridClassifier` for numeric targets: up to
    five folds of the training set, member ``i`` of the EA-DC ensemble trained
    without fold ``i mod k``, each peer (MultiRocketHydra and QUANT by
    default) cross-validated on the same folds and refitted on all of the
    data. Each component's weight is its out-of-fold R² (0 where it predicts
    worse than the training mean) raised to ``weight_exponent``, and
    ``predict`` is the weighted mean of the components' predictions. aeon's
    regressors predict one target, so with several targets each peer is
    fitted once per target.

    Peers need equal lengths: their series are zero-padded at the end to the
    longest training series (and to their minimum length).

    {parameters}
    Attributes
    ----------
    estimators_ : dict
        ``"eadc"``: the list of fitted networks; each peer's name: the peer
        refitted on all the training data (one per target).
    train_r2_ : dict
        Out-of-fold R² of each component on the training data (averaged over targets).
    train_predictions_ : dict
        Out-of-fold predictions of each component, ``(n_cases, n_targets)``.
    weights_ : dict
        Weight of each component in ``predict``.
    n_targets_ : int
    n_channels_ : int
    n_timepoints_ : int

    Examples
    --------
    >>> from aeon.datasets import load_covid_3month
    >>> from tsevo import EADCHybridRegressor
    >>> X, y = load_covid_3month(split="train")
    >>> reg = EADCHybridRegressor(n_estimators=2, max_epochs=2, d_model=16, n_heads=2, peers="quant",
    ...                           random_state=0).fit(X, y)
    >>> sorted(reg.weights_)
    ['eadc', 'quant']
    """

    _task = "regression"
    _member = EADCTransformerRegressor
    _score_name = "R²"

    def _check_targets(self, y, n_cases: int) -> np.ndarray:
        targets = check_targets(y, n_cases)
        columns = targets.reshape(n_cases, -1)
        two_valued = [len(np.unique(column)) == 2 for column in columns.T]
        if self._peer_names() and any(two_valued):
            raise ValueError(
                "y has a target with only two distinct values, which aeon's regressors (the peers "
                f"{self.peers!r}) refuse: use a classifier, or peers=\"\" for the networks alone"
            )
        self.n_targets_, self.target_ndim_ = (1 if targets.ndim == 1 else targets.shape[1]), targets.ndim
        return columns

    def _folds(self, targets, seed):
        splitter = KFold(min(N_FOLDS, len(targets)), shuffle=True, random_state=seed)
        return list(splitter.split(targets))

    def _network_output(self, member, X):
        return member.predict(X).reshape(-1, self.n_targets_)

    def _new_peer(self, name, seed):
        return _PerTarget(name, seed, self.n_jobs)

    def _peer_output(self, peer, X):
        return peer.predict(X)

    def _score_out_of_fold(self, predicted, targets):
        return float(r2_score(targets, predicted))  # averaged over targets

    def _set_train_scores(self, scores):
        self.train_r2_ = scores

    def predict(self, X) -> np.ndarray:
        """Weighted mean of the components' predictions, ``(n_cases,)`` or ``(n_cases, n_targets)``."""
        combined = self._combined(X)
        return combined[:, 0] if self.target_ndim_ == 1 else combined


def _align(proba: np.ndarray, own: np.ndarray, classes: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Columns of ``proba`` (in ``own`` class order) placed in ``classes`` order;
    a class a fold never saw gets ``fill`` (probability 0)."""
    out = np.full((len(proba), len(classes)), fill)
    out[:, np.searchsorted(classes, own)] = proba
    return out
