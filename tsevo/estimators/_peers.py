"""What tsevo knows of aeon's estimators that it sets beside its own: the
shortest series each accepts (measured with aeon 1.6; shorter ones fail inside
aeon; the hybrid and the benchmark harness both pad to these lengths), and
where the ridge-based classifiers keep their ridge's scores."""

import numpy as np

MIN_LENGTH = {
    "minirocket": 9,  # aeon: "n_timepoints must be >= 9"
    "multirockethydra": 10,
    "multirocket": 10,
    "quant": 4,
    "drcif": 4,
    "weasel": 10,  # MUSE, on several channels (WEASEL 2.0 takes 4)
}

# peers whose aeon classifier ends in a ridge classifier, with probabilities of 0 or 1
RIDGE_PEERS = ("minirocket", "rocket", "multirockethydra", "rdst", "weasel")


def min_length(name: str) -> int:
    """The shortest series the estimator ``name`` accepts (1 when it has no minimum)."""
    return MIN_LENGTH.get(name, 1)


def ridge_scores(peer, X: np.ndarray) -> np.ndarray | None:
    """The ridge classifier's decision scores of a fitted aeon classifier, ``(n_cases, n_classes)``
    in ``peer.classes_`` order, or None for a peer that is not a ridge on features.

    aeon's ridge-based classifiers (the Rocket family, RDST) give probabilities of 0 or 1, the
    ridge's vote; its scores say how sure the vote is. ``X`` must be what the peer was fitted
    on: a 3D float array of equal lengths (aeon's input checks are skipped).
    """
    parts = _ridge_parts(peer)
    if parts is None:
        return None
    ridge, features = parts
    scores = ridge.decision_function(features(X))
    if scores.ndim == 1:  # two classes: one score, positive for classes_[1]
        scores = np.column_stack([-scores, scores])
    return scores


def has_ridge_scores(peer) -> bool:
    """Whether ``ridge_scores`` finds scores in the fitted ``peer``."""
    return _ridge_parts(peer) is not None


def _ridge_parts(peer):
    """(fitted ridge, the function from series to its features), following the structure of
    aeon's classifiers (checked by tests), or None."""
    name = type(peer).__name__
    if name in ("MiniRocketClassifier", "RocketClassifier", "MultiRocketClassifier") and hasattr(peer, "pipeline_"):
        return _last_step_ridge(peer.pipeline_, lambda X: X)
    if name == "RDSTClassifier" and hasattr(peer, "estimator_"):
        return _last_step_ridge(peer.estimator_, peer.transformer_.transform)
    if name == "MultiRocketHydraClassifier" and hasattr(peer, "classifier") and _is_ridge(peer.classifier):
        def features(X):  # aeon's MultiRocketHydraClassifier._predict, up to the ridge
            hydra = peer._scale_hydra.transform(peer._transform_hydra.transform(X))
            multirocket = peer._scale_multirocket.transform(peer._transform_multirocket.transform(X))
            return np.concatenate((hydra, multirocket), axis=1)

        return peer.classifier, features
    if name == "WeaselClassifier" and hasattr(peer, "estimator_"):
        return _ridge_parts(peer.estimator_)
    if name == "WEASEL_V2" and _is_ridge(getattr(peer, "clf", None)):
        return peer.clf, peer.transform.transform
    if name == "MUSE" and _is_ridge(getattr(peer, "clf", None)):
        return peer.clf, peer._transform_words  # what aeon's MUSE._predict hands its ridge
    return None


def _last_step_ridge(estimator, transform):
    """A ridge at the end of ``estimator`` (a pipeline or the ridge itself) and the features it takes."""
    steps = [step for _, step in estimator.steps] if hasattr(estimator, "steps") else [estimator]
    *before, ridge = steps
    if not _is_ridge(ridge):
        return None

    def features(X):
        X = transform(X)
        for step in before:
            X = step.transform(X)
        return X

    return ridge, features


def _is_ridge(estimator) -> bool:
    return type(estimator).__name__ in ("RidgeClassifierCV", "RidgeClassifier")
