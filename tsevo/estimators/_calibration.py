"""Probabilities for classifiers that only vote.

A ridge classifier on random features (the Rocket family, RDST) gives
probabilities of 0 or 1. In a weighted mix with soft members such a vote
outweighs any member it out-scores, however unsure the ridge was. Temperature
scaling (Guo et al. 2017) turns its scores into probabilities,
``softmax(scores / T)``, with the one number ``T`` chosen to minimise the log
loss of out-of-fold scores; it never changes which class comes first.
"""

from __future__ import annotations

import numpy as np

from tsevo.estimators._peers import ridge_scores

TEMPERATURES = np.logspace(-3, 2, 101)  # ridge scores of ±1 targets lie within a few units


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise ``softmax(scores / temperature)``; a score of -inf gives probability 0."""
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The temperature of least log loss for ``scores`` ``(n_cases, n_classes)`` against the
    column index of each case's class, ``labels``; the smallest on a tie."""
    rows = np.arange(len(labels))
    losses = [-np.mean(np.log(np.clip(softmax(scores, t)[rows, labels], 1e-12, None))) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


class TemperedPeer:
    """A fitted ridge-based aeon classifier whose ``predict_proba`` is ``softmax(scores / T)``.

    Parameters
    ----------
    peer : aeon classifier
        Fitted, with scores that ``ridge_scores`` finds.
    temperature : float
    """

    def __init__(self, peer, temperature: float):
        self.peer, self.temperature = peer, temperature
        self.classes_ = peer.classes_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return softmax(ridge_scores(self.peer, X), self.temperature)
