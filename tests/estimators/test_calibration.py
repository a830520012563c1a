"""The hybrid's calibrated probabilities for ridge-based peers (``calibrate_peers``)."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from tests.conftest import FAST
from tsevo import EADCHybridClassifier
from tsevo.estimators._calibration import fit_temperature, softmax
from tsevo.estimators._hybrid import _peer
from tsevo.estimators._peers import RIDGE_PEERS, has_ridge_scores, ridge_scores

# each peer made small enough for a test; the structure ridge_scores reads is the same
SMALL = {"minirocket": {"n_kernels": 84}, "rocket": {"n_kernels": 100}, "multirockethydra": {"n_kernels": 2},
         "rdst": {"max_shapelets": 50}, "weasel": {}}


# every peer on one channel; WEASEL also on several, the one peer whose ridge reads other features
# there (MUSE's); the others' features come from the same transform whatever the channel count
RIDGE_CASES = [(name, "gunpoint") for name in RIDGE_PEERS] + [("weasel", "basic_motions")]


@pytest.mark.parametrize(("name", "problem"), RIDGE_CASES)
def test_ridge_scores_rank_first_the_class_each_peer_votes_for(name, problem, request):
    X, y, X_test, _ = request.getfixturevalue(problem)
    peer = _peer(name, 0).set_params(**SMALL[name]).fit(X[::2], y[::2])
    assert has_ridge_scores(peer)
    scores = ridge_scores(peer, X_test[:30])
    assert scores.shape == (30, len(peer.classes_))
    np.testing.assert_array_equal(peer.classes_[scores.argmax(1)], peer.predict(X_test[:30]))
    votes = peer.predict_proba(X_test[:30])  # aeon's 0/1, which the hybrid calibrates
    assert set(np.unique(votes)) <= {0.0, 1.0}
    np.testing.assert_array_equal(peer.classes_[votes.argmax(1)], peer.predict(X_test[:30]))
    if name == "weasel":  # WEASEL 2.0 on one channel, MUSE on several
        assert type(peer.estimator_).__name__ == ("WEASEL_V2" if X.shape[1] == 1 else "MUSE")


def test_peers_without_a_ridge_have_no_scores(gunpoint):
    X, y, _, _ = gunpoint
    assert not has_ridge_scores(_peer("quant", 0).fit(X[::4], y[::4]))


def test_temperature_follows_how_often_the_top_score_is_right():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    right = np.eye(3)[labels] + 0.1 * rng.normal(size=(300, 3))
    assert fit_temperature(right, labels) < 0.05  # always right: sharp, near the 0/1 vote
    half = np.where(rng.random(300)[:, None] < 0.5, right, np.eye(3)[(labels + 1) % 3])
    assert fit_temperature(half, labels) > 0.3  # right half the time: soft
    proba = softmax(half, 0.5)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(proba.argmax(1), half.argmax(1))
    assert softmax(np.array([[0.0, -np.inf]]), 1.0).tolist() == [[1.0, 0.0]]  # a class the fold lacked


def test_hybrid_calibrates_ridge_peers_without_changing_their_votes_or_weights(gunpoint):
    X, y, X_test, y_test = gunpoint
    soft = EADCHybridClassifier(**FAST, n_estimators=1, peers="minirocket,quant", random_state=0).fit(X, y)
    hard = clone(soft).set_params(calibrate_peers=False).fit(X, y)
    assert set(soft.temperatures_) == {"minirocket"} and hard.temperatures_ == {}
    assert soft.weights_ == hard.weights_
    votes, calibrated = hard.train_predictions_["minirocket"], soft.train_predictions_["minirocket"]
    assert set(np.unique(votes)) <= {0.0, 1.0}
    assert ((calibrated > 0) & (calibrated < 1)).any()
    np.testing.assert_array_equal(calibrated.argmax(1), votes.argmax(1))
    np.testing.assert_array_equal(soft.train_predictions_["quant"], hard.train_predictions_["quant"])
    proba = soft.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(soft)).predict_proba(X_test), proba)
    # the peer alone ranks as its aeon classifier does
    peer = soft.estimators_["minirocket"]
    np.testing.assert_array_equal(peer.classes_[peer.predict_proba(X_test).argmax(1)], peer.peer.predict(X_test))
