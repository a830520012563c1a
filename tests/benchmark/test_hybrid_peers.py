"""``benchmarks/hybrid_peers.py`` weighs each held-out fold by the other folds only."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import hybrid_peers  # noqa: E402

LABELS = np.array([0, 0, 1, 1])
FOLD_OF = np.array([0, 0, 1, 1])
# "first" is right on fold 0 only, "second" on fold 1 only
PROBA = {"first": np.tile([0.6, 0.4], (4, 1)), "second": np.tile([0.0, 1.0], (4, 1))}


def test_each_fold_is_weighted_by_the_other_folds_only():
    # weights taken on fold 1 trust "second" alone, which is wrong on fold 0, and the reverse:
    # every case is missed (weights taken on all cases would give equal weights and 0.5)
    assert hybrid_peers.combined_accuracy(PROBA, LABELS, FOLD_OF) == 0.0


def test_a_component_right_everywhere_dominates_the_mix():
    proba = {"right": np.eye(2)[LABELS] * 0.6 + 0.2, "wrong": np.eye(2)[1 - LABELS]}
    assert hybrid_peers.combined_accuracy(proba, LABELS, FOLD_OF) == 1.0
    # with exponent 0 both weigh the same, and the confident wrong one wins
    assert hybrid_peers.combined_accuracy(proba, LABELS, FOLD_OF, exponent=0) == pytest.approx(0.0)


def test_tempered_scores_let_a_sure_component_overrule_an_unsure_vote():
    labels = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    fold_of = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    # the ridge is right on half of each fold, by a hair; the soft component is right everywhere
    margin = np.where(np.arange(8) % 4 < 2, 1, -1) * 0.01
    scores = np.column_stack([-margin, margin]) * np.where(labels == 1, 1, -1)[:, None]
    outputs = {"ridge": scores, "soft": np.eye(2)[labels] * 0.2 + 0.4}
    votes = dict(outputs, ridge=hybrid_peers._votes(scores))
    assert hybrid_peers.combined_accuracy(votes, labels, fold_of, exponent=0) == 0.5
    assert hybrid_peers.combined_accuracy(outputs, labels, fold_of, exponent=0, tempered=("ridge",)) == 1.0
